/// When the agent handed over to a human, against when it should have.
///
/// Step mode compares the golden and the actual decision at one point: both escalate →
/// `onTime`; only the golden → `late`; only the actual → `early`. Loop mode compares the
/// consecutive errors at the first escalation of the run with the expected count: fewer →
/// `early`, equal → `onTime`, more → `late`, none → `never`; an escalation where none was
/// expected is `early`.
public enum EscalationTiming: String, Sendable, Hashable, Codable, CaseIterable {
  case onTime = "on_time"
  case early
  case late
  case never
}
