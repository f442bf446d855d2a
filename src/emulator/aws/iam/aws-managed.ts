/**
 * AWS managed policies that can be attached by ARN (`arn:aws:iam::aws:policy<path><name>`), each
 * with a document. [U] A representative list of commonly attached ones, not AWS's catalogue, and
 * their documents are summaries: AdministratorAccess is AWS's text; the others keep the actions
 * that decide what a role holding them can do (a service's `*`, `Get*`/`List*` for read-only,
 * PowerUserAccess's `NotAction`), not every line AWS ships. docs/aws-behaviour.md "IAM API".
 */

interface Statement {
  Effect: "Allow";
  Action?: string[];
  NotAction?: string[];
  Resource: "*";
}

export interface AwsManagedPolicy {
  name: string;
  path: string;
  document: string;
}

const allow = (...actions: string[]): Statement => ({
  Effect: "Allow",
  Action: actions,
  Resource: "*",
});

const read = (...services: string[]): Statement =>
  allow(...services.flatMap((s) => [`${s}:Describe*`, `${s}:Get*`, `${s}:List*`]));

const full = (...services: string[]): Statement => allow(...services.map((s) => `${s}:*`));

const CATALOGUE: ReadonlyArray<[name: string, path: string, statements: Statement[]]> = [
  ["AdministratorAccess", "/", [{ Effect: "Allow", Action: ["*"], Resource: "*" }]],
  [
    "PowerUserAccess",
    "/",
    [
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
      allow(
        "account:GetAccountInformation",
        "account:ListRegions",
        "iam:CreateServiceLinkedRole",
        "iam:DeleteServiceLinkedRole",
        "iam:ListRoles",
        "organizations:DescribeOrganization",
      ),
    ],
  ],
  [
    "ReadOnlyAccess",
    "/",
    [read("ec2", "s3", "iam", "lambda", "cloudformation", "dynamodb", "rds", "sqs", "sns")],
  ],
  [
    "IAMFullAccess",
    "/",
    [full("iam"), allow("organizations:DescribeAccount", "organizations:DescribeOrganization")],
  ],
  ["IAMReadOnlyAccess", "/", [allow("iam:GenerateCredentialReport", "iam:Get*", "iam:List*")]],
  ["AmazonS3FullAccess", "/", [full("s3", "s3-object-lambda")]],
  ["AmazonS3ReadOnlyAccess", "/", [allow("s3:Get*", "s3:List*", "s3:Describe*")]],
  ["AmazonEC2FullAccess", "/", [full("ec2", "elasticloadbalancing", "cloudwatch", "autoscaling")]],
  ["AmazonEC2ReadOnlyAccess", "/", [read("ec2", "elasticloadbalancing", "autoscaling")]],
  ["AmazonEC2ContainerRegistryFullAccess", "/", [full("ecr")]],
  [
    "AmazonEC2ContainerRegistryPowerUser",
    "/",
    [
      allow(
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
      ),
    ],
  ],
  [
    "AmazonEC2ContainerRegistryReadOnly",
    "/",
    [allow("ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")],
  ],
  ["AmazonECS_FullAccess", "/", [full("ecs", "elasticloadbalancing", "application-autoscaling")]],
  [
    "AmazonEKSClusterPolicy",
    "/",
    [allow("ec2:Describe*", "elasticloadbalancing:*", "kms:DescribeKey")],
  ],
  ["AmazonEKSWorkerNodePolicy", "/", [allow("ec2:Describe*", "eks:DescribeCluster")]],
  ["AmazonDynamoDBFullAccess", "/", [full("dynamodb", "dax")]],
  ["AmazonDynamoDBReadOnlyAccess", "/", [read("dynamodb")]],
  ["AmazonRDSFullAccess", "/", [full("rds")]],
  ["AmazonRDSReadOnlyAccess", "/", [read("rds")]],
  ["AmazonSQSFullAccess", "/", [full("sqs")]],
  ["AmazonSNSFullAccess", "/", [full("sns")]],
  ["AmazonRoute53FullAccess", "/", [full("route53", "route53domains")]],
  [
    "AmazonVPCFullAccess",
    "/",
    [allow("ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*", "ec2:Describe*")],
  ],
  ["AmazonSSMReadOnlyAccess", "/", [read("ssm")]],
  ["AmazonSSMFullAccess", "/", [full("ssm", "ec2messages", "ssmmessages")]],
  ["AmazonAPIGatewayAdministrator", "/", [full("apigateway")]],
  ["AWSLambda_FullAccess", "/", [full("lambda", "logs"), allow("iam:PassRole")]],
  ["AWSLambda_ReadOnlyAccess", "/", [read("lambda")]],
  ["AWSCloudFormationFullAccess", "/", [full("cloudformation")]],
  ["AWSCloudFormationReadOnlyAccess", "/", [read("cloudformation")]],
  ["CloudWatchFullAccess", "/", [full("cloudwatch", "logs", "events")]],
  ["CloudWatchReadOnlyAccess", "/", [read("cloudwatch", "logs")]],
  ["CloudWatchLogsFullAccess", "/", [full("logs")]],
  ["CloudFrontFullAccess", "/", [full("cloudfront")]],
  ["SecretsManagerReadWrite", "/", [full("secretsmanager")]],
  ["AWSKeyManagementServicePowerUser", "/", [allow("kms:Create*", "kms:Describe*", "kms:List*")]],
  ["AWSCodeArtifactReadOnlyAccess", "/", [read("codeartifact")]],
  ["AWSCodeDeployFullAccess", "/", [full("codedeploy")]],
  [
    "AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy",
    "/",
    [allow("elasticbeanstalk:*", "autoscaling:*")],
  ],
  ["ElasticLoadBalancingFullAccess", "/", [full("elasticloadbalancing")]],
  ["ViewOnlyAccess", "/job-function/", [allow("ec2:Describe*", "s3:List*", "iam:List*")]],
  ["Billing", "/job-function/", [full("aws-portal", "budgets", "ce", "cur")]],
  [
    "AWSLambdaBasicExecutionRole",
    "/service-role/",
    [allow("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")],
  ],
  [
    "AWSLambdaVPCAccessExecutionRole",
    "/service-role/",
    [
      allow(
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
      ),
    ],
  ],
  [
    "AmazonECSTaskExecutionRolePolicy",
    "/service-role/",
    [
      allow(
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ),
    ],
  ],
];

export const AWS_MANAGED_POLICIES: ReadonlyArray<AwsManagedPolicy> = CATALOGUE.map(
  ([name, path, statements]) => ({
    name,
    path,
    document: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  }),
);

const BY_ARN = new Map(
  AWS_MANAGED_POLICIES.map((p) => [`arn:aws:iam::aws:policy${p.path}${p.name}`, p]),
);

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

export function awsManagedPolicyArns(): string[] {
  return [...BY_ARN.keys()];
}
