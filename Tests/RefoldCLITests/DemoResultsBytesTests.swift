import Foundation
import RefoldCLI
import RefoldShared
import RefoldTestSupport
import Testing

/// The demo suite's `results.json` files, as `refold eval` writes them, are the bytes the
/// whole-run `JSONEncoder` encode of the same results gives.
@Suite struct DemoResultsBytesTests {
  @Test func theDemoSuitesResultsAreTheWholeRunEncodeByteForByte() async throws {
    let directory = try TemporaryDirectory()
    let code = await CLI.run(
      arguments: [
        "eval", "\(Repository.root)/evals/deploybot", "--db", directory.path("d.sqlite"),
        "--out", directory.path("d"),
      ],
      stdout: CapturedOutput(), stderr: CapturedOutput(), environment: [:])
    #expect(code == 0 || code == 1)
    let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path("d"))
      .filter { $0.hasSuffix("/results.json") && !$0.hasPrefix("latest") }
      .map { directory.path("d/\($0)") }
    var variants: Set<String> = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    for file in files {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
      // The evaluation's own results.json is the manifest of its variants' files.
      guard let results = try? JSONDecoder().decode(RunResults.self, from: bytes) else {
        continue
      }
      variants.insert(results.run.variant)
      #expect(results.threads?.isEmpty == false)
      #expect(!results.cases.isEmpty)
      let whole = try encoder.encode(results) + Data("\n".utf8)
      #expect(bytes == whole, "\(file)")
    }
    #expect(variants == ["baseline", "concise-json"])
  }
}
