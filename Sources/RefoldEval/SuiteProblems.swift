import RefoldCore

/// Every problem validation found in a suite, reported together: one line each, exit 2.
public struct SuiteProblems: RefoldError, Sendable, Hashable {
  public var problems: [SuiteError]

  public init(_ problems: [SuiteError]) { self.problems = problems }

  public var description: String { lines.joined(separator: "\n") }

  public var lines: [String] { problems.map(\.description) }

  public var exitStatus: ExitStatus { .invalidInput }
}
