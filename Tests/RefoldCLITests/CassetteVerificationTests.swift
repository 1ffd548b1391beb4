import Foundation
import RefoldCLI
import RefoldTestSupport
import Testing

/// Cassettes that cannot lie: an edited request, a stale key and an unknown field are each
/// refused with the line and what to do; `refold cassette check` and `rekey` end to end.
@Suite struct CassetteVerificationTests {
  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr)
    return (code, stdout.text, stderr.text)
  }

  static let suite = Repository.root + "/evals/deploybot"

  /// The demo cassette's first lines.
  func recordedLines(_ count: Int) throws -> [String] {
    let text = try String(
      contentsOfFile: Self.suite + "/cassettes/baseline.jsonl", encoding: .utf8)
    return Array(text.split(separator: "\n").prefix(count).map(String.init))
  }

  func edited(_ line: String) -> String {
    line.replacingOccurrences(of: #""max_tokens":256"#, with: #""max_tokens":257"#)
  }

  func staleKey(_ line: String) -> String {
    let start = try? #require(line.range(of: #""key":""#))
    guard let start else { return line }
    let keyStart = start.upperBound
    let keyEnd = line.index(keyStart, offsetBy: 64)
    return line.replacingCharacters(in: keyStart..<keyEnd, with: String(repeating: "0", count: 64))
  }

  @Test func checkNamesEveryLineThatLiesAndRekeyMendsEdits() async throws {
    let directory = try TemporaryDirectory()
    let lines = try recordedLines(4)
    #expect(edited(lines[0]) != lines[0])
    let good = try directory.write("good.jsonl", lines.joined(separator: "\n") + "\n")
    let checked = await refold(["cassette", "check", good])
    #expect(checked.code == 0, "\(checked.stderr)")

    let unknown = lines[2].replacingOccurrences(of: #"{"key""#, with: #"{"extra":1,"key""#)
    let lying = try directory.write(
      "lying.jsonl",
      [edited(lines[0]), staleKey(lines[1]), unknown, lines[3]].joined(separator: "\n") + "\n")
    let refused = await refold(["cassette", "check", lying])
    #expect(refused.code == 2)
    let problems = refused.stderr.split(separator: "\n").map(String.init)
    #expect(problems.count == 4, "\(refused.stderr)")
    #expect(problems[0].hasPrefix("refold: \(lying):1: the key "))
    #expect(problems[0].contains("is not the hash of the line's request"))
    #expect(problems[0].contains("`refold cassette rekey \(lying)`"))
    #expect(problems[1].hasPrefix("refold: \(lying):2: the key 0000"))
    #expect(problems[2].contains("\(lying):3: unknown field \"extra\""), "\(problems[2])")

    let edits = try directory.write(
      "edits.jsonl",
      [edited(lines[0]), staleKey(lines[1]), lines[2]].joined(separator: "\n") + "\n")
    let rekeyed = await refold(["cassette", "rekey", edits])
    #expect(rekeyed.code == 0, "\(rekeyed.stderr)")
    #expect(rekeyed.stdout.contains("\(edits): 2 lines rekeyed"))
    let again = await refold(["cassette", "check", edits])
    #expect(again.code == 0, "\(again.stderr)")
    let text = try String(contentsOfFile: edits, encoding: .utf8)
    #expect(text.split(separator: "\n").count == 3)
    #expect(text.contains(#""max_tokens":257"#))
    // Every line rekeyed carries the current key scheme.
    #expect(text.split(separator: "\n").allSatisfy { $0.contains(#""key_scheme":2"#) })
  }

  /// A copy of the demo suite whose baseline cassette has line `number` (1-based) edited.
  func suiteWithEditedLine(_ number: Int?, in directory: TemporaryDirectory) throws -> (
    suite: String, cassette: String, line: Int
  ) {
    // The suite's fixtures are at ../../fixtures, as in the repository.
    let copy = directory.path("evals/deploybot")
    try FileManager.default.createDirectory(
      atPath: directory.path("evals"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Self.suite, toPath: copy)
    try FileManager.default.createSymbolicLink(
      atPath: directory.path("fixtures"), withDestinationPath: Repository.root + "/fixtures")
    let cassette = copy + "/cassettes/baseline.jsonl"
    var lines = try String(contentsOfFile: cassette, encoding: .utf8).split(separator: "\n")
      .map(String.init)
    let line = number ?? lines.count
    lines[line - 1] = edited(lines[line - 1])
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: cassette, atomically: true, encoding: .utf8)
    return (copy, cassette, line)
  }

  @Test func anEvaluationRefusesAnEditedRequestNamingTheLine() async throws {
    let directory = try TemporaryDirectory()
    let (copy, cassette, _) = try suiteWithEditedLine(1, in: directory)
    let outcome = await refold([
      "eval", copy, "--variant", "baseline", "--db", directory.path("refold.sqlite"), "--out",
      directory.path("reports"),
    ])
    #expect(outcome.code != 0)
    #expect(outcome.stderr.contains("\(cassette):1: the key "), "\(outcome.stderr)")
    #expect(outcome.stderr.contains("refold cassette rekey"))
  }

  @Test func verifyChecksEveryLineWhenTheCassetteIsOpened() async throws {
    let directory = try TemporaryDirectory()
    let (copy, cassette, line) = try suiteWithEditedLine(nil, in: directory)
    let outcome = await refold([
      "eval", copy, "--variant", "baseline", "--verify", "--db", directory.path("refold.sqlite"),
      "--out", directory.path("reports"),
    ])
    #expect(outcome.code == 3, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("\(cassette):\(line): the key "), "\(outcome.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.path("reports")))
  }
}
