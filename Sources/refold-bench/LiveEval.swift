import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The `live` benchmark: `refold eval --model live` against a local OpenAI-compatible server
/// that answers every request after a fixed latency (`scripts/latency-server.py`), at
/// several concurrencies.
///
/// With `--concurrency N` and a latency L, a harness without idle gaps keeps N requests in
/// flight all the time and replays N / L decisions a second; the benchmark prints the
/// decisions per second of the replay stage against that ideal, and the whole command's
/// wall time beside it.
enum LiveEval {
  /// Writes a suite of `decisions` decisions (public shape) under `work`, starts the server
  /// with `latency` milliseconds, and runs the command once per entry of `concurrencies`.
  static func measure(
    decisions: Int, concurrencies: [Int], latency: Int, work: String
  ) async throws {
    let suite = (work as NSString).appendingPathComponent("suite")
    try runChild([
      "eval-setup", "--decisions", String(decisions), "--shape", "public", "--suite", suite,
    ])
    let server = try LatencyServer(latency: latency, work: work)
    defer { server.stop() }
    print("live: latency server on 127.0.0.1:\(server.port), \(latency) ms a request")
    for concurrency in concurrencies {
      let runWork = (work as NSString).appendingPathComponent("live-\(concurrency)")
      try FileManager.default.createDirectory(
        atPath: runWork, withIntermediateDirectories: true)
      let start = now()
      let measured = await EndToEndEval.measure(
        suite: suite, work: runWork,
        arguments: [
          "--model", "live", "--base-url", "http://127.0.0.1:\(server.port)/v1",
          "--concurrency", String(concurrency),
        ])
      let wall = now() - start
      guard
        let replay = measured.stages.first(where: { $0.name.hasSuffix("replayed and scored") }),
        let count = measured.decisions, replay.seconds > 0
      else {
        print("live: concurrency \(concurrency): no replay stage measured (exit \(measured.code))")
        continue
      }
      let rate = Double(count) / replay.seconds
      let ideal = Double(concurrency) / (Double(latency) / 1000)
      print(
        "live: concurrency \(concurrency): \(format(Double(count))) decisions replayed in "
          + "\(String(format: "%.3f", replay.seconds)) s: \(format(rate)) decisions/s, "
          + "N / latency \(format(ideal)) (\(String(format: "%.1f", rate / ideal * 100)) %); "
          + "whole command \(String(format: "%.3f", wall)) s, exit \(measured.code)")
    }
  }
}

/// `scripts/latency-server.py` running in a child process on a free port of 127.0.0.1.
final class LatencyServer {
  let port: Int
  private let process: Process

  /// Starts the server and waits (up to 10 s) until it writes its port.
  init(latency: Int, work: String) throws {
    let script = try EvalBench.repositoryPath("scripts/latency-server.py")
    let portFile = (work as NSString).appendingPathComponent("latency-server.port")
    try? FileManager.default.removeItem(atPath: portFile)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, portFile, String(latency)]
    try process.run()
    let deadline = now() + 10
    var found: Int?
    while found == nil, now() < deadline, process.isRunning {
      found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
        Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
      }
      if found == nil { usleep(20_000) }
    }
    guard let found else {
      kill(process.processIdentifier, SIGKILL)
      throw CocoaError(
        .fileReadNoSuchFile,
        userInfo: [NSFilePathErrorKey: portFile, NSLocalizedDescriptionKey: "no port written"])
    }
    port = found
  }

  /// Ends the server process and waits for it.
  ///
  /// With SIGKILL: the child inherits the signal mask of the thread that started it, and
  /// SIGTERM may be blocked there.
  func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
