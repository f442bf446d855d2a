/** The shape of a CloudFormation template as read (long-form intrinsics, nothing resolved). */

export interface CfnParameter {
  Type: string;
  Default?: unknown;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean | string;
  Description?: string;
  ConstraintDescription?: string;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  CreationPolicy?: unknown;
  UpdatePolicy?: unknown;
}

export interface CfnOutput {
  Value: unknown;
  Description?: unknown;
  Export?: { Name: unknown };
  Condition?: string;
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: Record<string, unknown>;
  Transform?: unknown;
  Parameters?: Record<string, CfnParameter>;
  Rules?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}
