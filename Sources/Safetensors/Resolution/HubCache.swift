#if canImport(Glibc)
  import Glibc
#endif

/// The local Hugging Face hub cache: where `huggingface-cli download org/name` and
/// `from_pretrained` leave a model's files. Read only; never any network.
///
/// Layout (huggingface_hub's `constants.py` and `file_download.py`): a repository `org/name` lives
/// in `models--org--name/`; `refs/<branch or tag>` holds a 40-hex commit; the files of that commit
/// are `snapshots/<commit>/<path>`, relative symbolic links into `blobs/` (plain copies where the
/// file system has no links). A snapshot holds only the files that were downloaded.
public struct HubCache: Sendable, Hashable {
  /// The cache folder (`…/huggingface/hub`).
  public var directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// The cache folder huggingface_hub uses in this environment: `$HF_HUB_CACHE`, else the legacy
  /// `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
  /// `~/.cache/huggingface/hub`.
  public static func fromEnvironment(_ environment: [String: String]) -> HubCache {
    func nonEmpty(_ key: String) -> String? {
      guard let value = environment[key], !value.isEmpty else { return nil }
      return value
    }
    if let hub = nonEmpty("HF_HUB_CACHE") ?? nonEmpty("HUGGINGFACE_HUB_CACHE") {
      return HubCache(directory: hub)
    }
    if let home = nonEmpty("HF_HOME") { return HubCache(directory: Checkpoint.join(home, "hub")) }
    if let xdg = nonEmpty("XDG_CACHE_HOME") {
      return HubCache(directory: Checkpoint.join(xdg, "huggingface/hub"))
    }
    let home = nonEmpty("HOME") ?? "~"
    return HubCache(directory: Checkpoint.join(home, ".cache/huggingface/hub"))
  }

  /// The process's environment as a dictionary.
  public static func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let text = String(cString: pointer)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      entry += 1
    }
    return result
  }

  /// True when `text` has the shape of a hub model id: `name` or `org/name`, each part letters,
  /// digits, `-`, `_` and `.`, not starting with `.` or `-` and not ending in a weight file's
  /// extension (so `./x`, `/abs`, `a/b/c`, `model.safetensors` are paths).
  public static func isModelID(_ text: String) -> Bool {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count) else { return false }
    let fileSuffixes = [".safetensors", ".json", ".bin", ".gguf", ".pt", ".pth"]
    if fileSuffixes.contains(where: { text.hasSuffix($0) }) { return false }
    return parts.allSatisfy { part in
      guard let first = part.first, first != ".", first != "-", part.count <= 96 else {
        return false
      }
      return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        && !part.contains("..")
    }
  }

  /// The repository folder of `id`: `models--org--name`.
  public func repositoryFolder(_ id: String) -> String {
    Checkpoint.join(directory, "models--" + id.split(separator: "/").joined(separator: "--"))
  }

  /// The snapshot folder of `id` at `revision` (a branch or tag under `refs/`, or a commit hash),
  /// and the commit it names.
  ///
  /// - Throws: `.notInHubCache` naming the folder looked in and the command that downloads it.
  public func snapshot(of id: String, revision: String = "main") throws(SafetensorsError)
    -> (directory: String, commit: String)
  {
    let repository = repositoryFolder(id)
    let download =
      "huggingface-cli download \(id)" + (revision == "main" ? "" : " --revision \(revision)")
    guard FileAccess.status(ofPath: repository)?.isDirectory == true else {
      throw .notInHubCache(
        id: id, folder: repository,
        reason: "no such file or folder, nor a model in the Hugging Face cache", command: download)
    }
    let snapshots = Checkpoint.join(repository, "snapshots")
    var commit: String?
    // A ref may name a nested branch (`refs/pr/1`); a revision never climbs out of refs/.
    if !revision.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }),
      !revision.hasPrefix("/"),
      let text = Self.readSmallFile(Checkpoint.join(Checkpoint.join(repository, "refs"), revision))
    {
      let trimmed = text.filter { !$0.isWhitespace }
      if !trimmed.isEmpty { commit = trimmed }
    }
    if commit == nil, Self.isCommitHash(revision) { commit = revision }
    guard let commit else {
      throw .notInHubCache(
        id: id, folder: Checkpoint.join(repository, "refs"),
        reason: "revision '\(revision)' is not in the Hugging Face cache", command: download)
    }
    let folder = Checkpoint.join(snapshots, commit)
    guard FileAccess.status(ofPath: folder)?.isDirectory == true else {
      throw .notInHubCache(
        id: id, folder: folder,
        reason: "revision '\(revision)' (commit \(commit.prefix(12))) has no snapshot",
        command: download)
    }
    return (folder, commit)
  }

  /// True for 40 lowercase hexadecimal digits (a git commit).
  static func isCommitHash(_ text: String) -> Bool {
    text.utf8.count == 40
      && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
  }

  /// The contents of a regular file of at most 4 KiB (a ref), or nil.
  private static func readSmallFile(_ path: String) -> String? {
    guard let status = FileAccess.status(ofPath: path), status.isRegularFile, status.size <= 4096,
      let fd = try? FileAccess.openReadOnly(path)
    else { return nil }
    defer { FileAccess.closeDescriptor(fd) }
    var bytes = [UInt8](repeating: 0, count: Int(status.size))
    let count = bytes.withUnsafeMutableBytes {
      (try? FileAccess.read(fd, into: $0, at: 0, file: path)) ?? -1
    }
    guard count == bytes.count else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }
}
