import Foundation
import RefoldCLI
import RefoldCore
import RefoldTestSupport
import Testing

/// Inputs that cannot exhaust memory: a line over the limit, an OTLP file over it, an alias
/// bomb, each refused with exit 2 naming the file and line.
@Suite struct InputLimitsTests {
  func refold(_ arguments: [String], environment: [String: String] = [:]) async -> (
    code: Int32, stderr: String
  ) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return (code, stderr.text)
  }

  @Test func aLineOverTheLimitExitsTwoWithinAMemoryLimit() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path("huge.jsonl")
    // One valid line, then one event line of 200 MB.
    let first = #"{"thread":"t","seq":0,"type":"slack_message","data":{"text":"hi"}}"# + "\n"
    FileManager.default.createFile(atPath: file, contents: Data(first.utf8))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
    try handle.seekToEnd()
    try handle.write(
      contentsOf: Data(#"{"thread":"t","seq":1,"type":"slack_message","data":{"text":""#.utf8))
    let block = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
    for _ in 0..<200 { try handle.write(contentsOf: block) }
    try handle.write(contentsOf: Data("\"}}\n".utf8))
    try handle.close()
    // 1 GB of address space: the line alone, read whole, would need more than that.
    let outcome = try RefoldProcess.run(
      ["import", file, "--db", directory.path("refold.sqlite")],
      launcher: ["prlimit", "--as=1000000000"])
    #expect(outcome.status == 2, "\(outcome.stderr)")
    #expect(
      outcome.stderr
        == "refold: \(file):2: the line is longer than the limit of 16 MiB "
        + "(REFOLD_MAX_LINE_BYTES raises it)\n")
  }

  @Test func theLimitIsSetByTheEnvironment() async throws {
    let directory = try TemporaryDirectory()
    let line = #"{"thread":"t","seq":0,"type":"slack_message","data":{"text":"hello there"}}"#
    let file = try directory.write("events.jsonl", line + "\n")
    let refused = await refold(
      ["import", file, "--db", directory.path("refold.sqlite")],
      environment: ["REFOLD_MAX_LINE_BYTES": "40"])
    #expect(refused.code == 2)
    #expect(refused.stderr.contains("\(file):1: the line is longer than the limit of 40 bytes"))
    let accepted = await refold(
      ["import", file, "--db", directory.path("refold.sqlite")],
      environment: ["REFOLD_MAX_LINE_BYTES": "4096"])
    #expect(accepted.code == 0, "\(accepted.stderr)")
  }

  @Test func anOTLPFileOverTheLimitIsRefused() async throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write(
      "traces.json", #"{"resourceSpans":[]}"# + String(repeating: " ", count: 200))
    let refused = await refold(
      ["import", "--otel", file, "--db", directory.path("refold.sqlite")],
      environment: ["REFOLD_MAX_LINE_BYTES": "100"])
    #expect(refused.code == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("larger than the limit of 100 bytes"), "\(refused.stderr)")
  }

  @Test func anAliasBombInASuiteIsRefusedAtOnce() async throws {
    let directory = try TemporaryDirectory()
    var lines = ["name: bomb", #"a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
    for level in 1..<12 {
      let aliases = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",")
      lines.append("a\(level): &a\(level) [\(aliases)]")
    }
    try FileManager.default.createDirectory(
      atPath: directory.path("suite"), withIntermediateDirectories: true)
    _ = try directory.write("suite/suite.yaml", lines.joined(separator: "\n") + "\n")
    let started = Date()
    let outcome = await refold([
      "eval", directory.path("suite"), "--db", directory.path("refold.sqlite"), "--out",
      directory.path("out"),
    ])
    #expect(outcome.code == 2)
    #expect(outcome.stderr.contains("suite.yaml:"), "\(outcome.stderr)")
    #expect(outcome.stderr.contains("an alias bomb"), "\(outcome.stderr)")
    #expect(Date().timeIntervalSince(started) < 5)
  }
}
