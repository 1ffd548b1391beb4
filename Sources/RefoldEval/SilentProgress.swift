/// Progress that shows nothing: the default of an ``Evaluation``.
public struct SilentProgress: EvaluationProgress {
  public init() {}

  public func start(label: String, total: Int) {}
  public func advance() {}
  public func finish() {}
  public var needsTotal: Bool { false }
}
