import Foundation
import RefoldCore
import RefoldShared
import Testing

/// The one atomic writer: whole files or nothing, no temporary files left behind.
@Suite struct AtomicFileTests {
  func directory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-atomic-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func replacesAFileWholeAndLeavesNoTemporaryFile() throws {
    let folder = try directory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/nested/out.txt"
    try AtomicFile.write("first\n", to: path)
    try AtomicFile.write("second\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/nested") == ["out.txt"])
  }

  /// Bytes and data larger than one write call, and a copied range, arrive whole and in order.
  @Test func largePiecesAreWrittenWhole() throws {
    let folder = try directory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bytes = (0..<(1 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let data = Data((0..<200_001).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    try Data(bytes).write(to: URL(fileURLWithPath: folder + "/source"))
    let source = open(folder + "/source", O_RDONLY)
    defer { close(source) }
    let path = folder + "/out.bin"
    try AtomicFile.write(to: path) { output in
      try output.write(bytes)
      try output.write(data)
      try output.copy(from: source, offset: 5, count: 300_000, sourcePath: folder + "/source")
    }
    let written = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(written == Data(bytes) + data + Data(bytes[5..<300_005]))
  }

  @Test func aFailingBodyLeavesTheOldFile() throws {
    struct Stop: Error {}
    let folder = try directory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/out.jsonl"
    try AtomicFile.write("old\n", to: path)
    #expect(throws: Stop.self) {
      try AtomicFile.write(to: path) { sink in
        try sink(Data("new, part one\n".utf8))
        throw Stop()
      }
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.jsonl"])
  }

  @Test func aPathUnderARegularFileIsAnEnvironmentFailure() throws {
    let folder = try directory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try AtomicFile.write("x", to: folder + "/blocker")
    let error = #expect(throws: AtomicFile.Failure.self) {
      try AtomicFile.write("y", to: folder + "/blocker/out.txt")
    }
    #expect(error?.exitStatus == .environment)
    #expect(error?.path == folder + "/blocker")
    #expect(error?.description.hasPrefix("cannot write \(folder)/blocker: ") == true)
  }
}
