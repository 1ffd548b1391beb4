import Foundation
import RefoldCLI
import Synchronization

/// The `eval` benchmark: `refold eval` itself, in-process through the CLI library, on a
/// generated suite on disk, every report written and the run stored in a SQLite file.
///
/// Prints the time of each stage the evaluation reports, the wall and CPU time from the
/// command's start to its exit code, peak RSS, and the size of what it wrote.
enum EndToEndEval {
  /// Runs `refold eval SUITE --db DB --out OUT` with `arguments` added and prints the
  /// figures; returns the command's exit code, how long each stage took, in seconds, and
  /// the decisions the command reports (nil when its first line does not say).
  @discardableResult
  static func measure(suite: String, work: String, arguments: [String]) async
    -> (code: Int32, stages: [(name: String, seconds: Double)], decisions: Int?)
  {
    let database = (work as NSString).appendingPathComponent("refold.sqlite")
    let out = (work as NSString).appendingPathComponent("reports")
    let stages = Mutex<[(name: String, at: Double, resident: Double)]>([])
    let rssBefore = peakRSS()
    let start = now()
    let startCPU = cpuSeconds()
    let captured = CapturedOutput()
    let code = await CLI.run(
      arguments: ["eval", suite, "--db", database, "--out", out] + arguments,
      stdout: captured,
      stageEnded: { name in
        let resident = residentMiB()
        stages.withLock { $0.append((name, now(), resident)) }
      })
    let elapsed = now() - start
    let elapsedCPU = cpuSeconds() - startCPU
    let lines = captured.text.split(separator: "\n")
    let decisions = lines.first.flatMap { line -> Int? in
      guard let range = line.range(of: ": ") else { return nil }
      return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
    print("eval: refold eval exit \(code); \(lines.last.map(String.init) ?? "")")
    var previous = start
    var durations: [(name: String, seconds: Double)] = []
    for stage in stages.withLock({ $0 }) {
      print(
        "stage: \(stage.name) \(String(format: "%.3f", stage.at - previous)) s "
          + "(resident \(String(format: "%.0f", stage.resident)) MiB at its end)")
      durations.append((stage.name, stage.at - previous))
      previous = stage.at
    }
    print("stage: printing the summary \(String(format: "%.3f", start + elapsed - previous)) s")
    let rate = decisions.map { " \(format(Double($0) / elapsed)) decisions/s;" } ?? ""
    print(
      "eval: \(decisions.map { format(Double($0)) } ?? "?") decisions in "
        + "\(String(format: "%.3f", elapsed)) s wall,\(rate) "
        + "\(String(format: "%.3f", elapsedCPU)) s CPU; peak RSS "
        + "\(String(format: "%.1f", peakRSS())) MiB (\(String(format: "%.1f", rssBefore)) MiB "
        + "before the command)")
    let sizes = fileSizes(under: out).sorted { $0.key < $1.key }
    let total = sizes.map(\.value).reduce(0, +)
    print(
      "eval: outputs \(megabytes(total)) ("
        + sizes.map { "\($0.key) \(megabytes($0.value))" }.joined(separator: ", ")
        + "); store \(megabytes(fileSize(database) + fileSize(database + "-wal")))")
    return (code, durations, decisions)
  }

  /// The resident set size of this process now, in MiB (0 where `/proc` has no `statm`).
  static func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
      return 0
    }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1024 / 1024
  }

  /// The size of every file under `directory`, by its path relative to it.
  static func fileSizes(under directory: String) -> [String: Int] {
    var sizes: [String: Int] = [:]
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return [:] }
    while let relative = walker.nextObject() as? String {
      let path = (directory as NSString).appendingPathComponent(relative)
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        sizes[(relative as NSString).lastPathComponent, default: 0] += fileSize(path)
      }
    }
    return sizes
  }

  static func fileSize(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
  }

  static func megabytes(_ bytes: Int) -> String {
    String(format: "%.1f MB", Double(bytes) / 1_000_000)
  }
}
