import FileSystem
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The one file-system helper: folders, whole-file reads, atomic writes, recursive removal.
@Suite struct FileSystemTests {}

// MARK: - Folders

extension FileSystemTests {
  @Test func makeDirectoriesCreatesEveryMissingParentAndAcceptsAnExistingFolder() throws {
    let root = try TemporaryDirectory("fs")
    let nested = root.file("a/b/c")
    try FileSystem.makeDirectories(nested)
    try FileSystem.makeDirectories(nested)
    #expect(FileSystem.status(ofPath: nested)?.isDirectory == true)
    #expect(try TemporaryDirectory.fileNames(in: root.file("a")) == ["b"])
  }

  @Test func makeDirectoriesNamesThePartThatIsAFile() throws {
    let root = try TemporaryDirectory("fs")
    let file = try root.write("plain", "x")
    #expect(throws: FileSystemError.failed(path: file, reason: "not a directory", code: ENOTDIR)) {
      try FileSystem.makeDirectories(file)
    }
    let below = file + "/inner"
    do {
      try FileSystem.makeDirectories(below)
      Issue.record("mkdir below a file succeeded")
    } catch {
      #expect(error.path == below)
      #expect(error.reason == "mkdir: Not a directory")
    }
  }

  @Test func removeDeletesAFolderTreeButNotWhatALinkPointsTo() throws {
    let root = try TemporaryDirectory("fs")
    let kept = try root.write("kept", "keep me")
    let tree = try root.subdirectory("tree")
    try FileSystem.makeDirectories(tree + "/deep/er")
    try FileSystem.writeFile(Array("x".utf8), to: tree + "/deep/er/file")
    #expect(symlink(kept, tree + "/link") == 0)
    FileSystem.remove(tree)
    #expect(FileSystem.entryExists(tree) == false)
    #expect(try FileContents.text(kept) == "keep me")
    FileSystem.remove(root.file("missing"))  // a missing path is fine
  }
}

// MARK: - Reading

extension FileSystemTests {
  @Test func readAllReturnsTheWholeFileAndStopsPastItsLimit() throws {
    let root = try TemporaryDirectory("fs")
    let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let path = root.file("data")
    try FileSystem.writeFile(bytes, to: path)
    #expect(try FileSystem.readAll(path) == bytes)
    // Reading goes in 64 KiB chunks and stops once more than `limit` bytes are in hand.
    #expect(try FileSystem.readAll(path, limit: 1000).count == 65536)
    #expect(try FileSystem.readAll(path, limit: 65536).count == 131072)
  }

  @Test func readAllOfAMissingFileSaysCannotOpen() throws {
    let root = try TemporaryDirectory("fs")
    let path = root.file("absent")
    #expect(
      throws: FileSystemError.failed(
        path: path, reason: "cannot open: No such file or directory", code: ENOENT)
    ) { try FileSystem.readAll(path) }
  }

  @Test func directoryEntriesListsNamesWithoutDotEntries() throws {
    let root = try TemporaryDirectory("fs")
    _ = try root.write("one", "1")
    _ = try root.subdirectory("two")
    #expect(try FileSystem.directoryEntries(root.path).sorted() == ["one", "two"])
  }
}

// MARK: - Atomic writes

extension FileSystemTests {
  @Test func writeAtomicallyNeverReplacesWithoutOverwriteAndLeavesNoTemporary() throws {
    let root = try TemporaryDirectory("fs")
    let path = root.file("out.yml")
    try FileSystem.writeAtomically(Array("old\n".utf8), to: path, overwrite: false)
    #expect(throws: FileSystemError.exists(path: path)) {
      try FileSystem.writeAtomically(Array("new\n".utf8), to: path, overwrite: false)
    }
    #expect(try FileContents.text(path) == "old\n")
    try FileSystem.writeAtomically(Array("new\n".utf8), to: path, overwrite: true)
    #expect(try FileContents.text(path) == "new\n")
    #expect(try TemporaryDirectory.fileNames(in: root.path) == ["out.yml"])
  }

  @Test func writeAtomicallyRefusesAFolder() throws {
    let root = try TemporaryDirectory("fs")
    let folder = try root.subdirectory("folder")
    #expect(throws: FileSystemError.failed(path: folder, reason: "is a directory", code: EISDIR)) {
      try FileSystem.writeAtomically([1], to: folder, overwrite: true)
    }
  }

  @Test func folderOfAPath() {
    #expect(FileSystem.folder(of: "a/b/c.yml") == "a/b")
    #expect(FileSystem.folder(of: "/c.yml") == "/")
    #expect(FileSystem.folder(of: "c.yml") == ".")
  }
}

// MARK: - Cache folder

extension FileSystemTests {
  /// The XDG Base Directory rule: `$XDG_CACHE_HOME` only when it is an absolute path.
  @Test(arguments: [
    (["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"], "/x/cache/app"),
    (["XDG_CACHE_HOME": "relative/cache", "HOME": "/home/u"], "/home/u/.cache/app"),
    (["XDG_CACHE_HOME": "", "HOME": "/home/u"], "/home/u/.cache/app"),
    (["HOME": "/home/u"], "/home/u/.cache/app"),
  ])
  func cacheFolderFollowsTheXDGRule(environment: [String: String], expected: String) {
    #expect(FileSystem.cacheFolder(named: "app", environment: { environment[$0] }) == expected)
  }

  @Test func cacheFolderWithoutAHomeIsPerUserUnderTmp() {
    #expect(
      FileSystem.cacheFolder(named: "app", environment: { _ in nil })
        == "/tmp/app-cache-\(getuid())")
  }
}
