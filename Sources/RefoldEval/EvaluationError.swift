import RefoldCore
import RefoldModels

/// What stops an evaluation before any case is asked, beyond a broken suite or fixture.
public enum EvaluationError: RefoldError, Sendable, Hashable {
  /// A variant was asked for that the suite does not define.
  case unknownVariant(String, suite: String, known: [String])
  /// The recorded model was asked for, and the variant's cassette does not exist.
  case noCassette(path: String, variant: String)
  /// The model source needs a cassette to replay or record into, and the suite names none.
  case noCassetteNamed(suite: String, file: String, kind: ModelSourceKind)

  public var description: String {
    switch self {
    case .unknownVariant(let name, let suite, let known):
      "suite \(suite) has no variant \"\(name)\" (it has: \(known.joined(separator: ", ")))"
    case .noCassette(let path, let variant):
      "no cassette at \(path) for variant \(variant); record one with --model record"
    case .noCassetteNamed(let suite, let file, let kind):
      "suite \(suite) names no cassette, so --model \(kind.rawValue) has nothing to replay or "
        + "record into; add `cassette:` to \(file)"
    }
  }

  /// A missing cassette is a model source that cannot answer (3); a variant the suite lacks
  /// and a suite without a cassette are mistakes in the request (2).
  public var exitStatus: ExitStatus {
    switch self {
    case .noCassette: .sourceFailed
    case .unknownVariant, .noCassetteNamed: .invalidInput
    }
  }
}
