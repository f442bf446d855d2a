/**
 * AWS managed policies that can be attached by ARN (`arn:aws:iam::aws:policy<path><name>`). Only
 * names and paths: the emulator enforces trust policies, not permissions, so their documents are
 * not needed. [U] A representative list of commonly attached ones, not AWS's full catalogue.
 */
export const AWS_MANAGED_POLICIES: ReadonlyArray<{ name: string; path: string }> = [
  { name: "AdministratorAccess", path: "/" },
  { name: "PowerUserAccess", path: "/" },
  { name: "ReadOnlyAccess", path: "/" },
  { name: "IAMFullAccess", path: "/" },
  { name: "IAMReadOnlyAccess", path: "/" },
  { name: "AmazonS3FullAccess", path: "/" },
  { name: "AmazonS3ReadOnlyAccess", path: "/" },
  { name: "AmazonEC2FullAccess", path: "/" },
  { name: "AmazonEC2ReadOnlyAccess", path: "/" },
  { name: "AmazonEC2ContainerRegistryFullAccess", path: "/" },
  { name: "AmazonEC2ContainerRegistryPowerUser", path: "/" },
  { name: "AmazonEC2ContainerRegistryReadOnly", path: "/" },
  { name: "AmazonECS_FullAccess", path: "/" },
  { name: "AmazonEKSClusterPolicy", path: "/" },
  { name: "AmazonEKSWorkerNodePolicy", path: "/" },
  { name: "AmazonDynamoDBFullAccess", path: "/" },
  { name: "AmazonDynamoDBReadOnlyAccess", path: "/" },
  { name: "AmazonRDSFullAccess", path: "/" },
  { name: "AmazonRDSReadOnlyAccess", path: "/" },
  { name: "AmazonSQSFullAccess", path: "/" },
  { name: "AmazonSNSFullAccess", path: "/" },
  { name: "AmazonRoute53FullAccess", path: "/" },
  { name: "AmazonVPCFullAccess", path: "/" },
  { name: "AmazonSSMReadOnlyAccess", path: "/" },
  { name: "AmazonSSMFullAccess", path: "/" },
  { name: "AmazonAPIGatewayAdministrator", path: "/" },
  { name: "AWSLambda_FullAccess", path: "/" },
  { name: "AWSLambda_ReadOnlyAccess", path: "/" },
  { name: "AWSCloudFormationFullAccess", path: "/" },
  { name: "AWSCloudFormationReadOnlyAccess", path: "/" },
  { name: "CloudWatchFullAccess", path: "/" },
  { name: "CloudWatchReadOnlyAccess", path: "/" },
  { name: "CloudWatchLogsFullAccess", path: "/" },
  { name: "CloudFrontFullAccess", path: "/" },
  { name: "SecretsManagerReadWrite", path: "/" },
  { name: "AWSKeyManagementServicePowerUser", path: "/" },
  { name: "AWSCodeArtifactReadOnlyAccess", path: "/" },
  { name: "AWSCodeDeployFullAccess", path: "/" },
  { name: "AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy", path: "/" },
  { name: "ElasticLoadBalancingFullAccess", path: "/" },
  { name: "ViewOnlyAccess", path: "/job-function/" },
  { name: "Billing", path: "/job-function/" },
  { name: "AWSLambdaBasicExecutionRole", path: "/service-role/" },
  { name: "AWSLambdaVPCAccessExecutionRole", path: "/service-role/" },
  { name: "AmazonECSTaskExecutionRolePolicy", path: "/service-role/" },
];

const BY_ARN = new Map(
  AWS_MANAGED_POLICIES.map((p) => [`arn:aws:iam::aws:policy${p.path}${p.name}`, p]),
);

export function awsManagedPolicy(arn: string): { name: string; path: string } | undefined {
  return BY_ARN.get(arn);
}

export function awsManagedPolicyArns(): string[] {
  return [...BY_ARN.keys()];
}
