import TestSupport
import Testing

@testable import Exporter

#if canImport(Glibc)
  import Glibc
#endif

/// Atomic writes: complete files only, no overwrite unless asked, no debris.
@Suite struct AtomicFileTests {}

private func contents(_ path: String) -> String? {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var bytes = [UInt8](repeating: 0, count: 65536)
  let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
  return n < 0 ? nil : String(decoding: bytes[0..<n], as: UTF8.self)
}

private func names(_ directory: String) -> [String] {
  guard let handle = opendir(directory) else { return [] }
  defer { closedir(handle) }
  var result: [String] = []
  while let entry = readdir(handle) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) {
      String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
    }
    if name != "." && name != ".." { result.append(name) }
  }
  return result.sorted()
}

extension AtomicFileTests {
  @Test func writesNewFileAndLeavesNoTemporary() throws {
    let directory = try TemporaryDirectory("atomic")
    let path = directory.file("qlora.yml")
    try AtomicFile.write("a: 1\n", to: path, overwrite: false)
    #expect(contents(path) == "a: 1\n")
    #expect(names(directory.path) == ["qlora.yml"])
  }

  @Test func neverReplacesAnExistingFileWithoutOverwrite() throws {
    let directory = try TemporaryDirectory("atomic-exists")
    let path = directory.file("qlora.yml")
    try AtomicFile.write("old\n", to: path, overwrite: false)
    do throws(ExportError) {
      try AtomicFile.write("new\n", to: path, overwrite: false)
      Issue.record("overwrote without permission")
    } catch {
      #expect(error == .fileExists(path: path))
    }
    #expect(contents(path) == "old\n")
    #expect(names(directory.path) == ["qlora.yml"])
    // A dangling symlink counts as existing too.
    #expect(symlink(directory.file("nowhere"), directory.file("link.yml")) == 0)
    #expect(throws: ExportError.fileExists(path: directory.file("link.yml"))) {
      try AtomicFile.write("x\n", to: directory.file("link.yml"), overwrite: false)
    }
    try AtomicFile.write("new\n", to: path, overwrite: true)
    #expect(contents(path) == "new\n")
    #expect(names(directory.path) == ["link.yml", "qlora.yml"])
  }

  @Test func unwritablePathsAreErrors() throws {
    let directory = try TemporaryDirectory("atomic-bad")
    for path in [directory.file("missing/qlora.yml"), directory.path] {
      do throws(ExportError) {
        try AtomicFile.write("x\n", to: path, overwrite: true)
        Issue.record("wrote \(path)")
      } catch {
        guard case .write(let failed, _) = error else {
          Issue.record("unexpected \(error)")
          continue
        }
        #expect(failed == path)
        #expect(!error.description.contains("\n"))
      }
    }
  }
}
