import RefoldCore

/// Builds the events of one thread with consecutive `seq` numbers.
public struct ThreadBuilder {
  public var thread: String
  public private(set) var events: [Event] = []

  /// A builder for the thread called `thread`.
  public init(_ thread: String = "t") { self.thread = thread }

  /// Appends an event at the next `seq`.
  @discardableResult
  public mutating func add(_ type: String, _ data: JSONValue = [:], meta: JSONValue? = nil) -> Event
  {
    let event = Event(thread: thread, seq: events.count, type: type, data: data, meta: meta)
    events.append(event)
    return event
  }

  /// Appends an event with an explicit `seq` or thread, to break invariants on purpose.
  public mutating func raw(_ type: String, seq: Int, thread: String? = nil, _ data: JSONValue = [:])
  {
    events.append(Event(thread: thread ?? self.thread, seq: seq, type: type, data: data))
  }
}
