/// Progress that shows nothing: the default of an ``Evaluation``.
public struct SilentProgress: EvaluationProgress {
  public init() {}
  public func start(label: String, fixtureBytes: Int) {}
  public func advance(bytesRead: Int) {}
  public func finish() {}
}
