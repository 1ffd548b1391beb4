import RefoldCore
import Testing

@Suite struct ParameterSchemaTests {
  let deploy = ParameterSchema([
    "type": "object", "required": ["tag", "environment"],
    "properties": [
      "tag": ["type": "string", "maxLength": 12, "description": "a git tag"],
      "environment": ["type": "string", "enum": ["staging", "production"]],
      "replicas": ["type": "integer"],
      "labels": ["type": "array", "items": ["type": "string"]],
    ],
  ])

  @Test func acceptsConformingValues() {
    #expect(deploy.check().isEmpty)
    #expect(deploy.validate(["tag": "v1.4.2", "environment": "staging"]).isEmpty)
    #expect(deploy.validate(["tag": "v1", "environment": "staging", "replicas": 3.0]).isEmpty)
  }

  @Test func namesTheParameterThatBreaksTheSchema() {
    let problems = deploy.validate([
      "tag": "v1.4.2-rc1-hotfix", "environment": "prod", "labels": ["a", 2],
    ])
    #expect(
      problems.map(\.description) == [
        "environment: expected one of \"staging\", \"production\", found \"prod\"",
        "labels[1]: expected string, found integer",
        "tag: is 17 characters long, at most 12 allowed",
      ])
    #expect(
      deploy.validate(["tag": "v1"]).map(\.description) == ["environment: is required but missing"])
    #expect(
      deploy.validate("v1").map(\.description) == ["parameters: expected object, found string"])
  }

  @Test func closedObjectsRejectUnknownParameters() {
    let closed = ParameterSchema([
      "type": "object", "additionalProperties": false, "properties": ["a": ["type": "string"]],
    ])
    #expect(
      closed.validate(["b": 1]).map(\.description) == ["b: is not a known parameter (expected a)"])
    #expect(deploy.validate(["tag": "v1", "environment": "staging", "extra": 1]).isEmpty)
  }

  @Test func checkFindsMistakesInTheSchemaWithTheirPaths() {
    let broken = ParameterSchema([
      "type": "object", "required": ["tag", "env"],
      "properties": [
        "tag": ["type": "strin"], "mode": ["type": "string", "enum": ["a", 1]],
        "count": ["type": "integer", "maxLenght": 3],
      ],
    ])
    let paths = broken.check().map(\.path)
    #expect(
      paths == [
        "properties.count.maxLenght", "properties.mode.enum[1]", "properties.tag.type",
        "required[1]",
      ])
  }
}
