import Engine
import Reports
import Synchronization

/// A one-line progress display on stderr (`\r`-rewritten, at most ~10 updates a second).
final class ProgressLine: Sendable {
  private let started: Double
  private let lastDraw = Mutex<Double>(0)

  init(started: Double) { self.started = started }

  func update(_ progress: AnalysisProgress) {
    let now = SystemInfo.now()
    let draw = lastDraw.withLock { last -> Bool in
      guard now - last >= 0.1 || progress.tensorsDone == progress.tensorsTotal else { return false }
      last = now
      return true
    }
    guard draw else { return }
    let elapsed = max(now - started, 1e-9)
    let rate = Double(progress.bytesDone) / elapsed
    let remaining =
      rate > 0
      ? Double(progress.bytesTotal - min(progress.bytesDone, progress.bytesTotal)) / rate : 0
    let percent =
      progress.bytesTotal > 0
      ? Int(100 * Double(progress.bytesDone) / Double(progress.bytesTotal)) : 100
    var line =
      "\r\u{1B}[Kanalysing \(percent)%  \(progress.tensorsDone)/\(progress.tensorsTotal) tensors  "
    line += "\(NumberText.bytes(progress.bytesDone))/\(NumberText.bytes(progress.bytesTotal))  "
    line += "\(NumberText.bytes(UInt64(rate)))/s  ETA \(Self.clock(remaining))"
    Console.err(line)
  }

  func finish() { Console.err("\r\u{1B}[K") }

  /// 67 → "1:07".
  static func clock(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let tail = total % 60
    return "\(total / 60):" + (tail < 10 ? "0" : "") + String(tail)
  }
}
