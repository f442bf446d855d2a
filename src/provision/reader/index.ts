/** CloudFormation template reader: short-form YAML and JSON in, resolved IAM resources out. */
export { SHORT_FORM_TAGS } from "./cfn-tags.js";
export { collectReferences, dependencyOrder } from "./dependencies.js";
export type {
  IamInlinePolicy,
  IamPolicy,
  IamProvider,
  IamResources,
  IamRole,
} from "./iam-resources.js";
export { iamResources } from "./iam-resources.js";
export { parseLocatedJson } from "./located-json.js";
export type { LocatedDocument, LocatedProblem } from "./located-yaml.js";
export { parseLocatedYaml } from "./located-yaml.js";
export type { ParameterValue, ProvidedParameters } from "./parameters.js";
export type { ParsedTemplate } from "./read-template.js";
export { readTemplate } from "./read-template.js";
export { resolveTemplate } from "./resolve-template.js";
export type {
  ResolvedOutput,
  ResolvedResource,
  ResolvedTemplate,
  ResolveOptions,
  UnresolvedValue,
} from "./resolve-types.js";
export type { Path, PathSegment, Position } from "./source-locations.js";
export { formatPath, SourceLocations } from "./source-locations.js";
export type { TemplateErrorReason } from "./template-error.js";
export { TemplateError } from "./template-error.js";
export type { CfnOutput, CfnParameter, CfnResource, CfnTemplate } from "./types.js";
