/// What a streaming append (``StreamingEventStore/appendStreaming(_:)``) did with one line.
public enum AppendOutcome: Sendable, Hashable {
  case written(seq: Int)
  /// The line's `id` was already stored with the same content.
  case skipped
}
