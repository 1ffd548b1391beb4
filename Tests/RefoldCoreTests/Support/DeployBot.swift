@testable import RefoldCore

/// The deploy-bot domain's vocabulary and policy (intents and kinds of the brief).
enum DeployBot {
  static let intents: [String: IntentKind] = [
    "list_git_tags": .sync,
    "deploy_backend": .approval,
    "deploy_frontend": .approval,
    "rollback_backend": .approval,
    "check_deployment_status": .sync,
    "run_smoke_tests": .sync,
    "request_clarification": .human,
    "request_human_input": .human,
    "done_for_now": .terminal,
  ]
  static let vocabulary = Vocabulary(intents: intents)
  static let policy = ControlPolicy(errorCap: 3, stepBudget: 20)
  static let reducer = ThreadReducer(vocabulary: vocabulary, policy: policy)
}
