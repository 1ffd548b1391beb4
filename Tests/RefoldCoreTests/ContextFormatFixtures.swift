import RefoldCore

/// Small deploy-bot threads for the context format tests.
enum ContextFormatFixtures {
  static let vocabulary = Vocabulary(intents: [
    "list_git_tags": .sync, "deploy_backend": .approval, "deploy_frontend": .approval,
    "check_deployment_status": .sync, "request_clarification": .human,
    "request_human_input": .human, "done_for_now": .terminal,
  ])

  /// A deploy that fails once with a connection error, is retried, and succeeds.
  static let retriedDeploy: [Event] = [
    Event(
      thread: "deploy-007", seq: 0, type: "slack_message",
      data: ["from": "@alex", "channel": "#deploys", "text": "ship latest backend to prod"],
      at: "2026-11-20T10:00:00Z"),
    Event(thread: "deploy-007", seq: 1, type: "list_git_tags"),
    Event(
      thread: "deploy-007", seq: 2, type: "list_git_tags_result",
      data: ["tags": ["v1.4.2", "v1.4.1", "v1.3.0"]]),
    Event(
      thread: "deploy-007", seq: 3, type: "deploy_backend",
      data: ["tag": "v1.4.2", "environment": "production"]),
    Event(thread: "deploy-007", seq: 4, type: "approval", data: ["approved": true, "by": "@sam"]),
    Event(
      thread: "deploy-007", seq: 5, type: "error",
      data: ["intent": "deploy_backend", "message": "connection refused"]),
    Event(
      thread: "deploy-007", seq: 6, type: "deploy_backend",
      data: ["tag": "v1.4.2", "environment": "production"]),
    Event(thread: "deploy-007", seq: 7, type: "approval", data: ["approved": true, "by": "@sam"]),
    Event(
      thread: "deploy-007", seq: 8, type: "deploy_backend_result",
      data: ["status": "deployed", "tag": "v1.4.2", "replicas": 3, "healthy": true]),
  ]

  /// A request that needs a clarification from the human before anything runs.
  static let clarification: [Event] = [
    Event(
      thread: "deploy-012", seq: 0, type: "slack_message",
      data: ["from": "@kim", "channel": "#deploys", "text": "deploy it\nthe usual way"]),
    Event(
      thread: "deploy-012", seq: 1, type: "request_clarification",
      data: ["question": "Which service and environment?"]),
    Event(
      thread: "deploy-012", seq: 2, type: "human_response",
      data: ["from": "@kim", "text": "frontend, staging"]),
    Event(
      thread: "deploy-012", seq: 3, type: "check_deployment_status",
      data: ["service": "frontend", "environment": "staging"]),
    Event(
      thread: "deploy-012", seq: 4, type: "check_deployment_status_result",
      data: [
        "service": "frontend", "version": "", "pods": [["name": "web-1", "ready": true]],
        "notes": "",
      ]),
  ]
}
