import RefoldCore
import RefoldShared

/// Which cases keep the rendered context and the raw response (they are large).
public enum ContextRetention: String, Sendable, Hashable, CaseIterable {
  /// Only cases that did not pass (the default: what a reader needs to debug).
  case failing
  case all
  case none

  func keeps(_ verdict: CaseResult.Verdict) -> Bool {
    switch self {
    case .failing: return verdict != .pass
    case .all: return true
    case .none: return false
    }
  }
}
