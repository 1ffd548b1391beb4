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
  /// `--model recorded` and the cassette of the suite's `judge:` or `embeddings:` model
  /// (`role`) does not exist.
  case noJudgeCassette(path: String, role: String)
  /// The evaluation finished and its reports were written, but these runs could not be
  /// stored (after retrying): `reason` is the store's sentence, `status` its exit status.
  case runsNotStored(
    runs: [String], reportLocation: String?, reason: String, status: ExitStatus)

  public var description: String {
    switch self {
    case .unknownVariant(let name, let suite, let known):
      "suite \(suite) has no variant \"\(name)\" (it has: \(known.joined(separator: ", ")))"
    case .noCassette(let path, let variant):
      "no cassette at \(path) for variant \(variant); record one with --model record"
    case .noJudgeCassette(let path, let role):
      "no cassette at \(path) for the suite's \(role) model; record one with --model record"
    case .noCassetteNamed(let suite, let file, let kind):
      "suite \(suite) names no cassette, so --model \(kind.rawValue) has nothing to replay or "
        + "record into; add `cassette:` to \(file)"
    case .runsNotStored(let runs, let location, let reason, _):
      "the evaluation finished but run \(runs.joined(separator: ", ")) could not be stored "
        + "(\(reason))" + (location.map { "; its reports are in \($0)" } ?? "")
    }
  }

  /// A missing cassette is a model source that cannot answer (3); a variant the suite lacks
  /// and a suite without a cassette are mistakes in the request (2); a run not stored exits
  /// as the store's failure does (4 for a busy or full store).
  public var exitStatus: ExitStatus {
    switch self {
    case .noCassette, .noJudgeCassette: .sourceFailed
    case .unknownVariant, .noCassetteNamed: .invalidInput
    case .runsNotStored(_, _, _, let status): status
    }
  }
}
