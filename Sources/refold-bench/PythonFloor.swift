import Foundation

/// The floor `refold eval` is held to: `scripts/eval-floor.py`, which only reads each case's
/// expected and recorded decision from SQLite rows, compares them and writes a per-case
/// JSON report, timed on the same cases in the same run.
enum PythonFloor {
  /// Prepares the floor's rows from the suite (untimed), then times its run and prints it;
  /// prints why not when there is no `python3` or no script.
  static func measure(suite: String, work: String) throws {
    guard let script = try? EvalBench.repositoryPath("scripts/eval-floor.py") else {
      print("floor: scripts/eval-floor.py not found from the current directory up; skipped")
      return
    }
    let rows = (work as NSString).appendingPathComponent("floor.sqlite")
    guard try python([script, "prepare", suite, rows]) == 0 else {
      print("floor: preparing the rows failed; skipped")
      return
    }
    let start = now()
    let status = try python(
      [script, "run", rows, (work as NSString).appendingPathComponent("floor-report.json")])
    print(
      "floor: python3 eval-floor.py run exit \(status): "
        + "\(String(format: "%.3f", now() - start)) s wall, interpreter start included")
  }

  private static func python(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    // Not `waitUntilExit`, which polls every 50 ms and would add up to that to the floor.
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    exited.wait()
    return process.terminationStatus
  }
}
