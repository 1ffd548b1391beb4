import Foundation
import RefoldCLI
import RefoldTestSupport
import Testing

/// A duplicate YAML key, invalid UTF-8 and a missing suite folder each get their own
/// sentence, with the file and the line where there is one.
@Suite struct MessagePlacesTests {
  func eval(_ suite: String, in directory: TemporaryDirectory) async -> (
    code: Int32, stderr: String
  ) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: ["eval", suite, "--db", directory.path("refold.sqlite")], stdout: stdout,
      stderr: stderr)
    return (code, stderr.text)
  }

  func suite(_ name: String, _ bytes: [UInt8], in directory: TemporaryDirectory) throws -> String {
    let folder = directory.path(name)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: folder + "/suite.yaml"))
    return folder
  }

  @Test func eachProblemHasItsOwnSentenceAndPlace() async throws {
    let directory = try TemporaryDirectory()
    let duplicate = try suite("dup", Array("name: a\nmodes: [step]\nname: b\n".utf8), in: directory)
    let invalid = try suite(
      "utf", Array("name: a\n# caf".utf8) + [0xE9] + Array("\nmodes: [step]\n".utf8), in: directory)
    let empty = directory.path("empty")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let missing = directory.path("missing")

    let outcomes = [
      await eval(duplicate, in: directory), await eval(invalid, in: directory),
      await eval(missing, in: directory), await eval(empty, in: directory),
    ]
    #expect(outcomes.allSatisfy { $0.code == 2 })
    #expect(
      outcomes[0].stderr
        == "refold: \(duplicate)/suite.yaml:3: duplicate key \"name\"; each key may appear "
        + "once in a mapping\n")
    #expect(
      outcomes[1].stderr == "refold: \(invalid)/suite.yaml:2: invalid UTF-8 at byte offset 13\n")
    #expect(
      outcomes[2].stderr
        == "refold: \(missing): no such suite folder or suite file; give a folder with a "
        + "suite.yaml\n")
    #expect(outcomes[3].stderr == "refold: \(empty): the folder has no suite.yaml\n")
  }
}
