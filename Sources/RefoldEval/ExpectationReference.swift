import RefoldModels

/// A name an expectations entry gives (a thread, a step, an intent, an ending), with the line
/// it was written on, so a suite can be checked against its spec and fixtures before it runs.
public struct ExpectationReference: Sendable, Hashable {
  /// What the name refers to.
  public enum Subject: Sendable, Hashable {
    /// The entry's `thread:` (an id, or a pattern with `*`).
    case thread
    /// A step's `step:` or `seq:`.
    case step(StepExpectation.Selector)
    /// An intent named by `accept`, `intents` or `faults`.
    case intent(String)
    /// `behaviour.ends_with`: an intent or a final status.
    case ending(String)
    /// A `judge` or `similar` matcher (named so), which needs the suite's judge or
    /// embeddings model.
    case judged(String)
  }

  /// The entry's thread id or pattern.
  public var thread: String
  public var subject: Subject
  /// Where the name is written.
  public var location: YAMLLocation

  public init(thread: String, subject: Subject, location: YAMLLocation) {
    self.thread = thread
    self.subject = subject
    self.location = location
  }
}
