"""Risk by value (issue 12): the predicates of awsguard/riskrules.py over plain data, and
how risk.classify applies them (fail closed when a value cannot be read)."""

from __future__ import annotations

import json
import shlex

import pytest

from awsguard import catalog, riskrules
from awsguard.awsconfig import AwsFiles
from awsguard.invocation import Invocation, parse
from awsguard.risk import VALUE_RULE_SERVICES, Classification, Risk, classify

UNPARSED = riskrules.UNPARSED
PUBLIC_POLICY = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}
)
ORG_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            }
        ]
    }
)
ALL_USERS = "uri=http://acs.amazonaws.com/groups/global/AllUsers"

# (command, params, the risk it must get). Every row of riskrules.RULES has one here.
MATCHES = [
    # remote execution
    ("ssm send-command", {"DocumentName": "AWS-RunShellScript"}, "execute"),
    ("ssm start-session", {"Target": "i-1"}, "execute"),
    ("ssm start-automation-execution", {"DocumentName": "d"}, "execute"),
    ("ssm start-change-request-execution", {"DocumentName": "d"}, "execute"),
    ("ssm create-association", {"Name": "d"}, "execute"),
    ("ssm update-association", {"AssociationId": "a"}, "execute"),
    ("ecs execute-command", {"Command": "sh"}, "execute"),
    ("ec2-instance-connect send-ssh-public-key", {"InstanceId": "i-1"}, "execute"),
    ("ec2-instance-connect send-serial-console-ssh-public-key", {"InstanceId": "i-1"}, "execute"),
    ("lambda update-function-code", {"FunctionName": "f", "ZipFile": b"x"}, "execute"),
    ("lambda update-function-configuration", {"Layers": ["arn:layer:1"]}, "execute"),
    (
        "lambda update-function-configuration",
        {"Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/w"}}},
        "execute",
    ),
    ("ec2 modify-instance-attribute", {"UserData": {"Value": b"#!/bin/sh"}}, "execute"),
    ("ec2 modify-instance-attribute", {"Attribute": "userData", "Value": "x"}, "execute"),
    ("ec2 modify-instance-attribute", {"Attribute": "USERDATA", "Value": "x"}, "execute"),
    (
        "ec2 modify-instance-attribute",
        {"DisableApiTermination": {"Value": False}},
        "destructive",
    ),
    (
        "ec2 modify-instance-attribute",
        {"Attribute": "disableApiTermination", "Value": "false"},
        "destructive",
    ),
    (
        "ec2 modify-instance-attribute",
        {"InstanceInitiatedShutdownBehavior": {"Value": "terminate"}},
        "destructive",
    ),
    (
        "ec2 create-launch-template-version",
        {"LaunchTemplateData": {"UserData": "IyEvYmluL3No"}},
        "execute",
    ),
    # exposure
    ("s3api put-bucket-acl", {"ACL": "public-read"}, "exposure"),
    ("s3api put-bucket-acl", {"GrantRead": ALL_USERS}, "exposure"),
    (
        "s3api put-bucket-acl",
        {
            "AccessControlPolicy": {
                "Grants": [
                    {
                        "Grantee": {
                            "Type": "Group",
                            "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                        },
                        "Permission": "READ",
                    }
                ]
            }
        },
        "exposure",
    ),
    ("s3api put-object-acl", {"ACL": "Public-Read-Write"}, "exposure"),
    (
        "s3api put-object-acl",
        {"AccessControlPolicy": {"Grants": [{"Grantee": {"URI": ALL_USERS[4:]}}]}},
        "exposure",
    ),
    ("s3api put-object-acl", {"GrantFullControl": "id=abc123"}, "exposure"),
    ("s3api put-object", {"ACL": "authenticated-read"}, "exposure"),
    ("s3api put-object", {"GrantRead": f"id=1,{ALL_USERS}"}, "exposure"),
    ("s3api copy-object", {"ACL": "public-read"}, "exposure"),
    ("s3api copy-object", {"GrantReadACP": ALL_USERS}, "exposure"),
    ("s3api create-multipart-upload", {"ACL": "public-read"}, "exposure"),
    ("s3api create-multipart-upload", {"GrantRead": "emailaddress=a@b.c"}, "exposure"),
    ("s3api create-bucket", {"ACL": "public-read-write"}, "exposure"),
    ("s3api create-bucket", {"GrantWrite": ALL_USERS}, "exposure"),
    ("s3 cp", {"--acl": "public-read"}, "exposure"),
    ("s3 cp", {"--grants": [f"read={ALL_USERS}"]}, "exposure"),
    ("s3 sync", {"--acl": "public-read"}, "exposure"),
    ("s3 sync", {"--grants": "full=id=79a59df900b949e55d96a1e698fbaced"}, "exposure"),
    ("s3 sync", {"--delete": True}, "destructive"),
    ("s3 mv", {"--acl": "public-read"}, "exposure"),
    ("s3 mv", {"--grants": [f"read={ALL_USERS}"]}, "exposure"),
    ("s3api put-bucket-policy", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("s3control put-access-point-policy", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("s3api delete-public-access-block", {"Bucket": "b"}, "exposure"),
    ("s3control delete-public-access-block", {"AccountId": "1"}, "exposure"),
    (
        "s3api put-public-access-block",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": False,
                "RestrictPublicBuckets": True,
            }
        },
        "exposure",
    ),
    (
        "s3control put-public-access-block",
        {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        "exposure",
    ),
    ("ec2 authorize-security-group-ingress", {"CidrIp": "0.0.0.0/0"}, "exposure"),
    ("ec2 authorize-security-group-ingress", {"--cidr": "0.0.0.0/0"}, "exposure"),
    (
        "ec2 authorize-security-group-ingress",
        {"IpPermissions": [{"IpProtocol": "tcp", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]},
        "exposure",
    ),
    (
        "ec2 authorize-security-group-ingress",
        {"IpPermissions": [{"IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/1"}]}]},
        "exposure",
    ),
    (
        "ec2 modify-security-group-rules",
        {"SecurityGroupRules": [{"SecurityGroupRule": {"CidrIpv4": "0.0.0.0/0"}}]},
        "exposure",
    ),
    ("lightsail open-instance-public-ports", {"portInfo": {"fromPort": 22}}, "exposure"),
    (
        "lightsail put-instance-public-ports",
        {"portInfos": [{"fromPort": 22, "cidrs": ["0.0.0.0/0"]}]},
        "exposure",
    ),
    ("lambda create-function-url-config", {"AuthType": "NONE"}, "exposure"),
    ("lambda update-function-url-config", {"AuthType": "none"}, "exposure"),
    ("lambda add-permission", {"Principal": "*"}, "exposure"),
    ("lambda add-permission", {"Principal": "x", "FunctionUrlAuthType": "NONE"}, "exposure"),
    ("events put-permission", {"Principal": "*"}, "exposure"),
    ("ec2 modify-image-attribute", {"LaunchPermission": {"Add": [{"Group": "all"}]}}, "exposure"),
    (
        "ec2 modify-image-attribute",
        {"LaunchPermission": {"Add": [{"UserId": "210987654321"}]}},
        "exposure",
    ),
    (
        "ec2 modify-image-attribute",
        {"Attribute": "LaunchPermission", "OperationType": "add", "UserGroups": ["all"]},
        "exposure",
    ),
    (
        "ec2 modify-image-attribute",
        {"Attribute": "launchPermission", "UserIds": ["210987654321"]},
        "exposure",
    ),
    (
        "ec2 modify-image-attribute",
        {"LaunchPermission": {"Remove": [{"UserId": "210987654321"}]}},
        "permissions",
    ),
    (
        "ec2 modify-snapshot-attribute",
        {"CreateVolumePermission": {"Add": [{"Group": "all"}]}},
        "exposure",
    ),
    (
        "ec2 modify-snapshot-attribute",
        {"Attribute": "createVolumePermission", "OperationType": "add", "UserIds": ["2"]},
        "exposure",
    ),
    (
        "ec2 modify-fpga-image-attribute",
        {"LoadPermission": {"Add": [{"Group": "all"}]}},
        "exposure",
    ),
    (
        "rds modify-db-snapshot-attribute",
        {"AttributeName": "restore", "ValuesToAdd": ["all"]},
        "exposure",
    ),
    (
        "rds modify-db-cluster-snapshot-attribute",
        {"AttributeName": "restore", "ValuesToAdd": ["2"]},
        "exposure",
    ),
    (
        "docdb modify-db-cluster-snapshot-attribute",
        {"AttributeName": "restore", "ValuesToAdd": ["2"]},
        "exposure",
    ),
    (
        "neptune modify-db-cluster-snapshot-attribute",
        {"AttributeName": "restore", "ValuesToAdd": ["2"]},
        "exposure",
    ),
    ("redshift authorize-snapshot-access", {"AccountWithRestoreAccess": "2"}, "exposure"),
    (
        "ssm modify-document-permission",
        {"PermissionType": "Share", "AccountIdsToAdd": ["All"]},
        "exposure",
    ),
    ("ec2 disable-image-block-public-access", {}, "exposure"),
    ("ec2 disable-snapshot-block-public-access", {}, "exposure"),
    ("rds create-db-instance", {"PubliclyAccessible": True}, "exposure"),
    ("rds modify-db-instance", {"PubliclyAccessible": True}, "exposure"),
    ("rds modify-db-instance", {"BackupRetentionPeriod": 0}, "destructive"),
    ("rds modify-db-instance", {"DeletionProtection": False}, "destructive"),
    ("redshift create-cluster", {"PubliclyAccessible": True}, "exposure"),
    ("redshift modify-cluster", {"PubliclyAccessible": True}, "exposure"),
    ("redshift modify-cluster", {"AutomatedSnapshotRetentionPeriod": 0}, "destructive"),
    ("sqs set-queue-attributes", {"Attributes": {"Policy": PUBLIC_POLICY}}, "exposure"),
    ("sqs create-queue", {"Attributes": {"Policy": PUBLIC_POLICY}}, "exposure"),
    (
        "sns set-topic-attributes",
        {"AttributeName": "Policy", "AttributeValue": PUBLIC_POLICY},
        "exposure",
    ),
    ("sns create-topic", {"Attributes": {"Policy": PUBLIC_POLICY}}, "exposure"),
    ("kms put-key-policy", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("kms create-key", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("secretsmanager put-resource-policy", {"ResourcePolicy": PUBLIC_POLICY}, "exposure"),
    ("ecr set-repository-policy", {"policyText": PUBLIC_POLICY}, "exposure"),
    ("efs put-file-system-policy", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("backup put-backup-vault-access-policy", {"Policy": PUBLIC_POLICY}, "exposure"),
    ("logs put-resource-policy", {"policyDocument": PUBLIC_POLICY}, "exposure"),
    (
        "iam update-assume-role-policy",
        {
            "PolicyDocument": json.dumps(
                {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}}}
            )
        },
        "exposure",
    ),
    ("iam create-role", {"AssumeRolePolicyDocument": PUBLIC_POLICY}, "exposure"),
    # deletion by value
    (
        "route53 change-resource-record-sets",
        {"ChangeBatch": {"Changes": [{"Action": "UPSERT"}, {"Action": "DELETE"}]}},
        "destructive",
    ),
    (
        "route53 change-cidr-collection",
        {"Changes": [{"Action": "DELETE_IF_EXISTS"}]},
        "destructive",
    ),
    (
        "dynamodb batch-write-item",
        {"RequestItems": {"t": [{"PutRequest": {}}, {"DeleteRequest": {"Key": {}}}]}},
        "destructive",
    ),
    ("dynamodb transact-write-items", {"TransactItems": [{"Delete": {}}]}, "destructive"),
    ("dynamodb execute-statement", {"Statement": '  delete FROM "t" WHERE k=1'}, "destructive"),
    (
        "dynamodb batch-execute-statement",
        {"Statements": [{"Statement": "DELETE FROM t"}]},
        "destructive",
    ),
    (
        "dynamodb execute-transaction",
        {"TransactStatements": [{"Statement": "DELETE FROM t"}]},
        "destructive",
    ),
    ("dynamodb update-table", {"DeletionProtectionEnabled": False}, "destructive"),
    (
        "dynamodb update-table",
        {"ReplicaUpdates": [{"Delete": {"RegionName": "eu-west-1"}}]},
        "destructive",
    ),
    (
        "dynamodb update-continuous-backups",
        {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}},
        "destructive",
    ),
    (
        "s3api put-bucket-lifecycle-configuration",
        {"LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "Expiration": {"Days": 1}}]}},
        "destructive",
    ),
    (
        "s3api put-bucket-lifecycle",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    {"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}
                ]
            }
        },
        "destructive",
    ),
    (
        "s3api put-bucket-versioning",
        {"VersioningConfiguration": {"Status": "Suspended"}},
        "destructive",
    ),
    ("s3api put-object-retention", {"BypassGovernanceRetention": True}, "destructive"),
    ("s3api put-object-legal-hold", {"LegalHold": {"Status": "OFF"}}, "destructive"),
    ("rds modify-db-cluster", {"DeletionProtection": False}, "destructive"),
    ("rds modify-db-cluster", {"BackupRetentionPeriod": "0"}, "destructive"),
    ("docdb modify-db-cluster", {"DeletionProtection": False}, "destructive"),
    ("neptune modify-db-cluster", {"DeletionProtection": False}, "destructive"),
    ("neptune modify-db-instance", {"DeletionProtection": False}, "destructive"),
    ("elasticache modify-replication-group", {"SnapshotRetentionLimit": 0}, "destructive"),
    ("elasticache modify-cache-cluster", {"SnapshotRetentionLimit": 0}, "destructive"),
    (
        "cloudformation update-termination-protection",
        {"EnableTerminationProtection": False},
        "destructive",
    ),
    ("cognito-idp update-user-pool", {"DeletionProtection": "INACTIVE"}, "destructive"),
    (
        "elbv2 modify-load-balancer-attributes",
        {"Attributes": [{"Key": "deletion_protection.enabled", "Value": "false"}]},
        "destructive",
    ),
    (
        "elbv2 modify-load-balancer-attributes",
        {"Attributes": [{"Key": "access_logs.s3.enabled", "Value": "false"}]},
        "audit-off",
    ),
    ("rds modify-global-cluster", {"DeletionProtection": False}, "destructive"),
    ("docdb modify-global-cluster", {"DeletionProtection": False}, "destructive"),
    ("neptune modify-global-cluster", {"DeletionProtection": False}, "destructive"),
    ("neptune modify-db-instance", {"BackupRetentionPeriod": 0}, "destructive"),
    ("eks update-cluster-config", {"deletionProtection": False}, "destructive"),
    ("dsql update-cluster", {"deletionProtectionEnabled": False}, "destructive"),
    ("neptune-graph update-graph", {"deletionProtection": False}, "destructive"),
    ("logs put-log-group-deletion-protection", {"deletionProtectionEnabled": False}, "destructive"),
    ("opensearchserverless update-collection", {"deletionProtection": "DISABLED"}, "destructive"),
    ("verifiedpermissions update-policy-store", {"deletionProtection": "DISABLED"}, "destructive"),
    ("cloudtrail update-event-data-store", {"TerminationProtectionEnabled": False}, "destructive"),
    ("elasticache modify-serverless-cache", {"SnapshotRetentionLimit": 0}, "destructive"),
    ("memorydb update-cluster", {"SnapshotRetentionLimit": 0}, "destructive"),
    ("autoscaling update-auto-scaling-group", {"DeletionProtection": "none"}, "destructive"),
    ("application-autoscaling register-scalable-target", {"MaxCapacity": 0}, "destructive"),
    ("ecs update-service", {"desiredCount": 0}, "destructive"),
    ("autoscaling update-auto-scaling-group", {"DesiredCapacity": 0}, "destructive"),
    ("autoscaling update-auto-scaling-group", {"MaxSize": 0}, "destructive"),
    ("autoscaling set-desired-capacity", {"DesiredCapacity": 0}, "destructive"),
    ("eks update-nodegroup-config", {"scalingConfig": {"desiredSize": 0}}, "destructive"),
    ("logs put-retention-policy", {"retentionInDays": 1}, "destructive"),
    ("kinesis decrease-stream-retention-period", {"RetentionPeriodHours": 24}, "destructive"),
    ("ecr put-lifecycle-policy", {"lifecyclePolicyText": "{}"}, "destructive"),
    # grants outside IAM
    ("sso-admin create-account-assignment", {}, "permissions"),
    ("sso-admin delete-account-assignment", {}, "permissions"),
    ("sso-admin put-inline-policy-to-permission-set", {}, "permissions"),
    ("sso-admin provision-permission-set", {}, "permissions"),
    ("sso-admin create-application-assignment", {}, "permissions"),
    ("identitystore create-group-membership", {}, "permissions"),
    ("identitystore delete-group-membership", {}, "permissions"),
    ("eks create-access-entry", {}, "permissions"),
    ("eks update-access-entry", {}, "permissions"),
    ("eks associate-access-policy", {}, "permissions"),
    ("eks disassociate-access-policy", {}, "permissions"),
    ("eks create-pod-identity-association", {}, "permissions"),
    ("eks update-pod-identity-association", {}, "permissions"),
    ("eks associate-identity-provider-config", {}, "permissions"),
    ("cognito-idp admin-add-user-to-group", {}, "permissions"),
    ("cognito-idp admin-remove-user-from-group", {}, "permissions"),
    ("organizations attach-policy", {}, "permissions"),
    ("organizations detach-policy", {}, "permissions"),
    ("organizations update-policy", {}, "permissions"),
    ("organizations enable-policy-type", {}, "permissions"),
    ("organizations disable-policy-type", {}, "permissions"),
    ("ram associate-resource-share", {}, "permissions"),
    ("ram update-resource-share", {"allowExternalPrincipals": True}, "exposure"),
    ("ram update-resource-share", {"name": "n"}, "permissions"),
    ("ram associate-resource-share-permission", {}, "permissions"),
    # audit and protection off
    ("cloudtrail stop-logging", {}, "audit-off"),
    ("cloudtrail delete-trail", {}, "audit-off"),
    ("cloudtrail update-trail", {"IsMultiRegionTrail": False}, "audit-off"),
    ("cloudtrail update-trail", {"EnableLogFileValidation": False}, "audit-off"),
    (
        "cloudtrail put-event-selectors",
        {"EventSelectors": [{"IncludeManagementEvents": False}]},
        "audit-off",
    ),
    (
        "cloudtrail put-event-selectors",
        {"EventSelectors": [{"ReadWriteType": "ReadOnly"}]},
        "audit-off",
    ),
    ("cloudtrail put-event-selectors", {"AdvancedEventSelectors": []}, "audit-off"),
    ("cloudtrail delete-event-data-store", {}, "audit-off"),
    ("cloudtrail stop-event-data-store-ingestion", {}, "audit-off"),
    ("configservice stop-configuration-recorder", {}, "audit-off"),
    ("configservice delete-configuration-recorder", {}, "audit-off"),
    ("configservice delete-service-linked-configuration-recorder", {}, "audit-off"),
    ("configservice delete-delivery-channel", {}, "audit-off"),
    ("configservice delete-config-rule", {}, "audit-off"),
    ("configservice delete-conformance-pack", {}, "audit-off"),
    ("configservice delete-organization-config-rule", {}, "audit-off"),
    ("configservice delete-organization-conformance-pack", {}, "audit-off"),
    ("guardduty delete-detector", {}, "audit-off"),
    ("guardduty update-detector", {"Enable": False}, "audit-off"),
    (
        "guardduty update-detector",
        {"Features": [{"Name": "S3_DATA_EVENTS", "Status": "DISABLED"}]},
        "audit-off",
    ),
    ("guardduty update-detector", {"DataSources": {"S3Logs": {"Enable": False}}}, "audit-off"),
    ("guardduty create-filter", {"Action": "ARCHIVE"}, "audit-off"),
    ("guardduty update-filter", {"Action": "archive"}, "audit-off"),
    ("guardduty create-ip-set", {}, "audit-off"),
    ("guardduty disassociate-from-master-account", {}, "audit-off"),
    ("guardduty disassociate-from-administrator-account", {}, "audit-off"),
    ("guardduty disassociate-members", {}, "audit-off"),
    ("guardduty delete-members", {}, "audit-off"),
    ("guardduty stop-monitoring-members", {}, "audit-off"),
    ("guardduty delete-publishing-destination", {}, "audit-off"),
    ("guardduty disable-organization-admin-account", {}, "audit-off"),
    ("securityhub disable-security-hub", {}, "audit-off"),
    ("securityhub batch-disable-standards", {}, "audit-off"),
    ("securityhub disable-import-findings-for-product", {}, "audit-off"),
    ("securityhub update-standards-control", {"ControlStatus": "DISABLED"}, "audit-off"),
    (
        "securityhub batch-update-standards-control-associations",
        {"StandardsControlAssociationUpdates": [{"AssociationStatus": "DISABLED"}]},
        "audit-off",
    ),
    ("securityhub batch-update-findings", {"Workflow": {"Status": "SUPPRESSED"}}, "audit-off"),
    ("securityhub disassociate-from-administrator-account", {}, "audit-off"),
    ("securityhub disassociate-from-master-account", {}, "audit-off"),
    ("securityhub disassociate-members", {}, "audit-off"),
    ("securityhub delete-members", {}, "audit-off"),
    ("securityhub disable-organization-admin-account", {}, "audit-off"),
    ("macie2 disable-macie", {}, "audit-off"),
    ("macie2 update-macie-session", {"status": "PAUSED"}, "audit-off"),
    ("macie2 create-findings-filter", {"action": "ARCHIVE"}, "audit-off"),
    ("macie2 update-findings-filter", {"action": "ARCHIVE"}, "audit-off"),
    ("macie2 disable-organization-admin-account", {}, "audit-off"),
    ("macie2 disassociate-from-administrator-account", {}, "audit-off"),
    ("macie2 disassociate-member", {}, "audit-off"),
    ("inspector2 disable", {}, "audit-off"),
    ("inspector2 disable-delegated-admin-account", {}, "audit-off"),
    ("inspector2 disassociate-member", {}, "audit-off"),
    ("inspector2 create-filter", {"action": "SUPPRESS"}, "audit-off"),
    ("inspector2 update-filter", {"action": "SUPPRESS"}, "audit-off"),
    ("accessanalyzer delete-analyzer", {}, "audit-off"),
    ("accessanalyzer create-archive-rule", {}, "audit-off"),
    ("accessanalyzer update-archive-rule", {}, "audit-off"),
    ("detective delete-graph", {}, "audit-off"),
    ("ec2 delete-flow-logs", {}, "audit-off"),
    ("ec2 disable-ebs-encryption-by-default", {}, "audit-off"),
    ("s3api put-bucket-logging", {"BucketLoggingStatus": {}}, "audit-off"),
    ("cloudwatch disable-alarm-actions", {}, "audit-off"),
    ("organizations disable-aws-service-access", {}, "audit-off"),
]

# The free neighbours: same commands, values that do none of the above.
FREE = [
    ("lambda update-function-configuration", {"MemorySize": 512}),
    ("lambda update-function-configuration", {"Environment": {"Variables": {"LOG": "1"}}}),
    ("ec2 modify-instance-attribute", {"InstanceType": {"Value": "t3.large"}}),
    ("ec2 modify-instance-attribute", {"DisableApiTermination": {"Value": True}}),
    ("ec2 modify-instance-attribute", {"Attribute": "disableApiTermination", "Value": "true"}),
    ("ec2 modify-instance-attribute", {"InstanceInitiatedShutdownBehavior": {"Value": "stop"}}),
    ("ec2 create-launch-template-version", {"LaunchTemplateData": {"InstanceType": "t3.micro"}}),
    ("s3api put-bucket-acl", {"ACL": "private"}),
    ("s3api put-bucket-acl", {"GrantWrite": "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"}),
    ("s3api put-object-acl", {"ACL": "bucket-owner-full-control"}),
    ("s3api put-object", {"Bucket": "b", "Key": "k"}),
    ("s3api put-object", {"ACL": "private"}),
    ("s3api copy-object", {"ACL": "bucket-owner-read"}),
    ("s3api create-multipart-upload", {"Bucket": "b"}),
    ("s3api create-bucket", {"Bucket": "b"}),
    ("s3 cp", {}),
    ("s3 cp", {"--acl": "private"}),
    ("s3 sync", {"--acl": "bucket-owner-full-control", "--exclude": "*.tmp"}),
    ("s3 mv", {"--acl": "private"}),
    ("s3api put-bucket-policy", {"Policy": ORG_POLICY}),
    ("s3api put-bucket-policy", {"Policy": "{not json"}),  # AWS rejects it
    (
        "s3api put-bucket-policy",
        {"Policy": json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*"}]})},
    ),
    ("s3control put-access-point-policy", {"Policy": ORG_POLICY}),
    (
        "s3api put-public-access-block",
        {"PublicAccessBlockConfiguration": dict.fromkeys(riskrules.PUBLIC_ACCESS_FLAGS, True)},
    ),
    (
        "s3control put-public-access-block",
        {"PublicAccessBlockConfiguration": dict.fromkeys(riskrules.PUBLIC_ACCESS_FLAGS, True)},
    ),
    ("ec2 authorize-security-group-ingress", {"CidrIp": "203.0.113.7/32"}),
    ("ec2 authorize-security-group-ingress", {"--cidr": "10.0.0.0/8"}),
    (
        "ec2 authorize-security-group-ingress",
        {
            "IpPermissions": [
                {
                    "IpRanges": [{"CidrIp": "192.168.0.0/16"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-1"}],
                }
            ]
        },
    ),
    (
        "ec2 authorize-security-group-ingress",
        {"IpPermissions": [{"Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]}]},
    ),
    (
        "ec2 modify-security-group-rules",
        {"SecurityGroupRules": [{"SecurityGroupRule": {"CidrIpv4": "198.51.100.0/24"}}]},
    ),
    (
        "lightsail open-instance-public-ports",
        {"portInfo": {"fromPort": 22, "cidrs": ["203.0.113.7/32"]}},
    ),
    (
        "lightsail put-instance-public-ports",
        {"portInfos": [{"fromPort": 22, "cidrs": ["203.0.113.0/24"]}]},
    ),
    ("lambda create-function-url-config", {"AuthType": "AWS_IAM"}),
    ("lambda update-function-url-config", {"Cors": {}}),
    ("lambda add-permission", {"Principal": "s3.amazonaws.com"}),
    ("events put-permission", {"Principal": "210987654321"}),
    ("ec2 modify-image-attribute", {"Description": {"Value": "new"}}),
    ("ec2 modify-image-attribute", {"Attribute": "description", "Value": "x"}),
    ("ec2 modify-snapshot-attribute", {"CreateVolumePermission": {"Add": []}}),
    ("ec2 modify-fpga-image-attribute", {"Name": "n"}),
    ("rds modify-db-snapshot-attribute", {"AttributeName": "restore", "ValuesToRemove": ["2"]}),
    ("rds modify-db-cluster-snapshot-attribute", {"AttributeName": "restore"}),
    ("docdb modify-db-cluster-snapshot-attribute", {"AttributeName": "restore", "ValuesToAdd": []}),
    (
        "neptune modify-db-cluster-snapshot-attribute",
        {"AttributeName": "other", "ValuesToAdd": ["2"]},
    ),
    ("ssm modify-document-permission", {"PermissionType": "Share", "AccountIdsToRemove": ["2"]}),
    ("rds create-db-instance", {"PubliclyAccessible": False}),
    ("rds modify-db-instance", {"BackupRetentionPeriod": 7, "DeletionProtection": True}),
    ("redshift create-cluster", {"NodeType": "dc2.large"}),
    ("redshift modify-cluster", {"AutomatedSnapshotRetentionPeriod": 1}),
    ("sqs set-queue-attributes", {"Attributes": {"VisibilityTimeout": "30"}}),
    ("sqs create-queue", {"QueueName": "q"}),
    ("sns set-topic-attributes", {"AttributeName": "DisplayName", "AttributeValue": "*"}),
    ("sns create-topic", {"Name": "t"}),
    ("kms put-key-policy", {"Policy": ORG_POLICY}),
    ("kms create-key", {}),
    ("secretsmanager put-resource-policy", {"ResourcePolicy": ORG_POLICY}),
    ("ecr set-repository-policy", {"policyText": ORG_POLICY}),
    ("efs put-file-system-policy", {"Policy": ORG_POLICY}),
    ("backup put-backup-vault-access-policy", {"Policy": ORG_POLICY}),
    ("logs put-resource-policy", {"policyDocument": ORG_POLICY}),
    (
        "iam update-assume-role-policy",
        {
            "PolicyDocument": json.dumps(
                {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
            )
        },
    ),
    ("iam create-role", {"AssumeRolePolicyDocument": ORG_POLICY}),
    (
        "route53 change-resource-record-sets",
        {"ChangeBatch": {"Changes": [{"Action": "UPSERT"}, {"Action": "CREATE"}]}},
    ),
    ("route53 change-cidr-collection", {"Changes": [{"Action": "PUT"}]}),
    ("dynamodb batch-write-item", {"RequestItems": {"t": [{"PutRequest": {"Item": {}}}]}}),
    ("dynamodb transact-write-items", {"TransactItems": [{"Put": {}}, {"Update": {}}]}),
    ("dynamodb execute-statement", {"Statement": "SELECT * FROM t"}),
    ("dynamodb batch-execute-statement", {"Statements": [{"Statement": "INSERT INTO t VALUE {}"}]}),
    ("dynamodb execute-transaction", {"TransactStatements": [{"Statement": "UPDATE t SET a=1"}]}),
    (
        "dynamodb update-table",
        {"DeletionProtectionEnabled": True, "BillingMode": "PAY_PER_REQUEST"},
    ),
    (
        "dynamodb update-continuous-backups",
        {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
    ),
    (
        "s3api put-bucket-lifecycle-configuration",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    {"Status": "Enabled", "Transitions": [{"Days": 30}]},
                    {"Status": "Disabled", "Expiration": {"Days": 1}},
                ]
            }
        },
    ),
    ("s3api put-bucket-lifecycle", {"LifecycleConfiguration": {"Rules": []}}),
    ("s3api put-bucket-versioning", {"VersioningConfiguration": {"Status": "Enabled"}}),
    ("s3api put-object-retention", {"Retention": {"Mode": "GOVERNANCE"}}),
    ("s3api put-object-legal-hold", {"LegalHold": {"Status": "ON"}}),
    ("rds modify-db-cluster", {"DeletionProtection": True, "BackupRetentionPeriod": 7}),
    ("docdb modify-db-cluster", {"DeletionProtection": True}),
    ("neptune modify-db-cluster", {}),
    ("neptune modify-db-instance", {"DeletionProtection": True}),
    ("elasticache modify-replication-group", {"SnapshotRetentionLimit": 5}),
    ("elasticache modify-cache-cluster", {"NumCacheNodes": 2}),
    ("cloudformation update-termination-protection", {"EnableTerminationProtection": True}),
    ("cognito-idp update-user-pool", {"DeletionProtection": "ACTIVE"}),
    (
        "elbv2 modify-load-balancer-attributes",
        {"Attributes": [{"Key": "deletion_protection.enabled", "Value": "true"}]},
    ),
    ("rds modify-global-cluster", {"DeletionProtection": True}),
    ("docdb modify-global-cluster", {}),
    ("neptune modify-global-cluster", {"DeletionProtection": True}),
    ("eks update-cluster-config", {"deletionProtection": True}),
    ("dsql update-cluster", {"deletionProtectionEnabled": True}),
    ("neptune-graph update-graph", {"deletionProtection": True}),
    ("logs put-log-group-deletion-protection", {"deletionProtectionEnabled": True}),
    ("opensearchserverless update-collection", {"deletionProtection": "ENABLED"}),
    ("verifiedpermissions update-policy-store", {"deletionProtection": "ENABLED"}),
    ("cloudtrail update-event-data-store", {"TerminationProtectionEnabled": True}),
    ("elasticache modify-serverless-cache", {"SnapshotRetentionLimit": 3}),
    ("memorydb update-cluster", {"SnapshotRetentionLimit": 3}),
    ("application-autoscaling register-scalable-target", {"MaxCapacity": 4, "MinCapacity": 0}),
    ("ecs update-service", {"desiredCount": 3}),
    ("ecs update-service", {"forceNewDeployment": True}),
    ("autoscaling update-auto-scaling-group", {"DesiredCapacity": 2, "MaxSize": 4}),
    ("autoscaling set-desired-capacity", {"DesiredCapacity": 1}),
    ("eks update-nodegroup-config", {"scalingConfig": {"desiredSize": 2, "maxSize": 3}}),
    ("cloudtrail update-trail", {"IsMultiRegionTrail": True, "S3BucketName": "b"}),
    (
        "cloudtrail put-event-selectors",
        {"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]},
    ),
    ("guardduty update-detector", {"Enable": True, "FindingPublishingFrequency": "SIX_HOURS"}),
    ("guardduty create-filter", {"Action": "NOOP"}),
    ("guardduty update-filter", {"Rank": 1}),
    ("securityhub update-standards-control", {"ControlStatus": "ENABLED"}),
    (
        "securityhub batch-update-standards-control-associations",
        {"StandardsControlAssociationUpdates": [{"AssociationStatus": "ENABLED"}]},
    ),
    ("securityhub batch-update-findings", {"Workflow": {"Status": "RESOLVED"}}),
    ("macie2 update-macie-session", {"status": "ENABLED"}),
    ("macie2 create-findings-filter", {"action": "NOOP"}),
    ("macie2 update-findings-filter", {}),
    ("inspector2 create-filter", {"action": "NONE"}),
    ("inspector2 update-filter", {}),
    (
        "s3api put-bucket-logging",
        {"BucketLoggingStatus": {"LoggingEnabled": {"TargetBucket": "logs"}}},
    ),
]


def test_every_row_has_a_case_that_matches_it():
    hit: set[tuple[str, int]] = set()
    for command, params, _ in MATCHES:
        for index, (_, test) in enumerate(riskrules.RULES[command]):
            try:
                if test(params):
                    hit.add((command, index))
                    break
            except riskrules.Unreadable:
                break
    rows = {(c, i) for c, entries in riskrules.RULES.items() for i in range(len(entries))}
    assert rows - hit == set()


def test_every_value_predicate_has_a_free_neighbour():
    with_values = {
        command
        for command, entries in riskrules.RULES.items()
        if all(test.members for _, test in entries)  # an always-row leaves no free value
    }
    assert with_values - {command for command, _ in FREE} == set()


@pytest.mark.parametrize(("command", "params", "risk"), MATCHES)
def test_value_makes_the_risk(command, params, risk):
    found = riskrules.evaluate(command, params)
    assert found is not None and found[0] == risk, found


@pytest.mark.parametrize(("command", "params"), FREE)
def test_free_neighbour_matches_no_row(command, params):
    assert riskrules.evaluate(command, params) is None


def test_reasons_name_the_value():
    assert riskrules.evaluate("s3api put-object", {"ACL": "public-read"}) == (
        "exposure",
        "ACL public-read makes the object public",
    )
    assert (
        "0.0.0.0/0"
        in riskrules.evaluate("ec2 authorize-security-group-ingress", {"CidrIp": "0.0.0.0/0"})[1]
    )
    assert (
        "www.example.com."
        in riskrules.evaluate(
            "route53 change-resource-record-sets",
            {
                "ChangeBatch": {
                    "Changes": [
                        {"Action": "DELETE", "ResourceRecordSet": {"Name": "www.example.com."}}
                    ]
                }
            },
        )[1]
    )


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("s3api put-object", {"ACL": UNPARSED}),
        ("ec2 modify-image-attribute", {"LaunchPermission": UNPARSED}),
        ("ec2 modify-image-attribute", {"LaunchPermission": {"Add": UNPARSED}}),
        ("route53 change-resource-record-sets", {"ChangeBatch": UNPARSED}),
        ("dynamodb batch-write-item", {"RequestItems": {"t": UNPARSED}}),
        ("ec2 authorize-security-group-ingress", {"IpPermissions": [UNPARSED]}),
        ("ecs update-service", {"desiredCount": UNPARSED}),
    ],
)
def test_an_undecoded_value_fails_closed(command, params):
    risk, reason = riskrules.evaluate(command, params)
    assert risk == riskrules.RULES[command][0][0]
    assert "could not decode" in reason


@pytest.mark.parametrize(
    "cidr", ["0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "8.0.0.0/7", "2000::/3", "nonsense"]
)
def test_wide_open_cidrs(cidr):
    assert riskrules._wide_open(cidr)


@pytest.mark.parametrize(
    "cidr",
    ["10.0.0.0/8", "172.16.0.0/12", "203.0.113.7/32", "1.2.3.0/24", "fd00::/8", "2001:db8::/64"],
)
def test_narrow_or_private_cidrs(cidr):
    assert not riskrules._wide_open(cidr)


# --- the table's own consistency ---------------------------------------------------------


def test_every_command_of_the_table_is_a_real_cli_command():
    high_level = {"s3 cp", "s3 sync", "s3 mv"}
    unknown = [
        command
        for command in riskrules.RULES
        if command not in high_level and catalog.operation_for_cli(*command.split()) is None
    ]
    assert unknown == []


def test_the_services_gate_in_risk_py_matches_the_table():
    assert VALUE_RULE_SERVICES == {command.split()[0] for command in riskrules.RULES}


def test_every_member_a_predicate_reads_is_in_the_operations_input():
    """A typo in a member name would make a predicate silently never match."""
    botocore_session = pytest.importorskip("botocore.session").get_session()
    names = {"s3api": "s3", "configservice": "config"}
    wrong = []
    for command, _, test in riskrules.rows():
        service, operation = command.split()
        if service == "s3" or not test.members:
            continue
        api = catalog.operation_for_cli(service, operation).api_operation
        model = botocore_session.get_service_model(names.get(service, service))
        members = set(model.operation_model(api).input_shape.members)
        wrong += [
            f"{command}: {m}" for m in test.members if m not in members and not m.startswith("--")
        ]
    assert wrong == []


# --- risk.classify: how the table is applied ---------------------------------------------------


class ParsedInvocation(Invocation):
    """An Invocation with the parser's new attributes, built from plain data."""

    __slots__ = ("params", "options", "problem", "positionals", "shell_alias")

    def __init__(self, argv, params=None, options=None, problem=None, positionals=None):
        base = parse(argv)
        super().__init__(
            base.argv, base.service, base.operation, base.args, base.globals, base.flags
        )
        self.params = params or {}
        self.options = options or {}
        self.problem = problem
        self.positionals = positionals
        self.shell_alias = False


def classified(command: str, params=None, options=None, problem=None) -> Classification:
    return classify(ParsedInvocation(shlex.split(command), params, options, problem))


def test_a_matching_row_sets_risk_and_reason():
    result = classified(
        "s3api put-object --bucket b --key k --acl public-read", {"ACL": "public-read"}
    )
    assert (result.risk, result.reason) == (
        Risk.EXPOSURE,
        "ACL public-read makes the object public",
    )
    assert (result.operation, result.action) == ("PutObject", "s3:PutObject")


def test_no_matching_row_keeps_the_name_based_risk():
    result = classified("ecs update-service --service s --desired-count 3", {"desiredCount": 3})
    assert result.risk is Risk.WRITE


def test_the_s3_transfer_commands_read_their_options():
    options = {"--acl": ("public-read",)}
    assert classified("s3 cp f s3://b/k --acl public-read", options=options).risk is Risk.EXPOSURE
    assert (
        classified("s3 cp f s3://b/k --acl private", options={"--acl": ("private",)}).risk
        is Risk.WRITE
    )
    assert classified("s3 cp s3://b/k f --acl public-read", options=options).risk is Risk.READ


def test_a_problem_fails_closed_for_commands_with_rows_and_open_for_reads():
    problem = "--acl is not an option awsguard knows"
    result = classified("s3api put-object --bucket b --ac x", problem=problem)
    assert result.risk is Risk.EXPOSURE and problem in result.reason
    sync = classified("s3 sync . s3://b --de", problem="ambiguous option --de")
    assert sync.risk is Risk.DESTRUCTIVE
    assert classified("s3api get-object --bucket b --kee k f", problem=problem).risk is Risk.READ
    assert classified("ec2 describe-instances --filterz x", problem=problem).risk is Risk.READ


def test_a_problem_never_lowers_a_stricter_name_based_risk():
    result = classified("s3 mv s3://a/k s3://b/k --ac x", problem="ambiguous")
    assert result.risk is Risk.DESTRUCTIVE


def test_dry_run_from_the_parameters_is_a_read_and_no_dry_run_is_not():
    argv = "ec2 modify-image-attribute --image-id ami-1 --cli-input-json file://x.json"
    shared = {"LaunchPermission": {"Add": [{"Group": "all"}]}}
    assert classified(argv, shared).risk is Risk.EXPOSURE
    assert classified(argv, {**shared, "DryRun": True}).risk is Risk.READ
    assert classified(argv + " --dry-run", {**shared, "DryRun": False}).risk is Risk.EXPOSURE


def test_a_shell_alias_is_guarded():
    inv = ParsedInvocation(["wipe"])
    inv.shell_alias = True
    assert classify(inv).risk is Risk.DESTRUCTIVE


def test_a_read_is_never_raised():
    assert classified("ec2 describe-images", {"ExecutableUsers": ["all"]}).risk is Risk.READ


# --- aws configure set ---------------------------------------------------------------------------


def files_with(**profiles: dict[str, str]) -> AwsFiles:
    from pathlib import Path

    return AwsFiles(Path("config"), Path("credentials"), credentials_profiles=dict(profiles))


@pytest.mark.parametrize(
    ("argv", "environ", "target"),
    [
        ("configure set aws_access_key_id AKIA", {}, ("default", "aws_access_key_id")),
        (
            "--profile prod configure set aws_secret_access_key x",
            {},
            ("prod", "aws_secret_access_key"),
        ),
        ("configure set aws_session_token x", {"AWS_PROFILE": "ci"}, ("ci", "aws_session_token")),
        ("configure set profile.prod.aws_access_key_id AKIA", {}, ("prod", "aws_access_key_id")),
        (
            "configure set default.aws_secret_access_key x",
            {"AWS_PROFILE": "ci"},
            ("default", "aws_secret_access_key"),
        ),
        ("configure set AWS_ACCESS_KEY_ID AKIA", {}, ("default", "aws_access_key_id")),
        ("configure set region eu-west-1", {}, ("default", "region")),
        ("configure set preview.cloudfront true", {}, None),
    ],
)
def test_configure_set_target_mirrors_the_cli(argv, environ, target):
    from awsguard.risk import configure_set_target

    assert configure_set_target(parse(shlex.split(argv)), environ) == target


def test_configure_set_over_existing_keys_is_destructive():
    files = files_with(prod={"aws_access_key_id": "AKIA", "aws_secret_access_key": "x"})
    inv = parse(shlex.split("configure set profile.prod.aws_access_key_id AKIANEW"))
    result = classify(inv, files, {})
    assert result.risk is Risk.DESTRUCTIVE and "profile prod" in result.reason
    assert "AKIANEW" not in result.reason


def test_configure_set_on_a_profile_without_credentials_is_a_write():
    files = files_with(prod={"aws_access_key_id": "AKIA"})
    result = classify(parse(shlex.split("configure set aws_access_key_id AKIA")), files, {})
    assert result.risk is Risk.WRITE


def test_configure_set_without_the_files_assumes_the_worst():
    result = classify(parse(shlex.split("configure set aws_access_key_id AKIA")))
    assert result.risk is Risk.DESTRUCTIVE


def test_configure_set_of_other_settings_stays_a_read():
    files = files_with(default={"aws_access_key_id": "AKIA"})
    assert (
        classify(parse(shlex.split("configure set region eu-west-1")), files, {}).risk is Risk.READ
    )


def test_configure_set_that_redirects_a_profile_with_credentials_is_exposure():
    files = files_with(prod={"aws_access_key_id": "AKIA", "aws_secret_access_key": "x"})
    for line in (
        "configure set profile.prod.endpoint_url https://collector.example",
        "--profile prod configure set ca_bundle /tmp/their-ca.pem",
    ):
        result = classify(parse(shlex.split(line)), files, {})
        assert result.risk is Risk.EXPOSURE, line
        assert "profile prod" in result.reason
    # The same on a profile without credentials is an ordinary write.
    bare = files_with(dev={"region": "eu-west-1"})
    line = "configure set profile.dev.endpoint_url http://localhost:4566"
    assert classify(parse(shlex.split(line)), bare, {}).risk is Risk.WRITE


def test_configure_set_of_a_plugin_runs_code():
    line = "configure set plugins.helper evil_module"
    assert classify(parse(shlex.split(line)), files_with(), {}).risk is Risk.EXECUTE
    assert classify(parse(shlex.split("configure set preview.x true")), files_with(), {}).risk is (
        Risk.READ
    )


# --- awsguard classify --------------------------------------------------------------------------


def test_classify_json_shows_the_new_risk_and_the_reason(capsys):
    from awsguard.cli import main

    argv = ["classify", "--json", "--", "s3", "cp", "f", "s3://b/k", "--acl", "public-read"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["risk"], out["reason"]) == ("exposure", "ACL public-read makes the objects public")


def test_classify_reads_the_aws_files_for_configure_set(capsys, clean_env):
    from awsguard.cli import main

    (clean_env / ".aws" / "credentials").write_text("[prod]\naws_access_key_id = AKIAOLD\n")
    assert (
        main(
            [
                "classify",
                "--json",
                "--",
                "configure",
                "set",
                "profile.prod.aws_access_key_id",
                "AKIA",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["risk"] == "destructive"
    assert (
        main(
            [
                "classify",
                "--json",
                "--",
                "configure",
                "set",
                "profile.new.aws_access_key_id",
                "AKIA",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["risk"] == "write"


# --- what the shim may remember -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "depends"),
    [
        ("ecs update-service --service s --desired-count 3", True),
        ("s3 cp f s3://b/k", True),
        ("ec2 terminate-instances --cli-input-json file://x.json", True),
        ("dynamodb put-item --table-name t --item file://item.json", True),
        ("configure set region eu-west-1", True),
        ("s3 ls", False),
        ("ec2 describe-instances", False),
        ("iam delete-user --user-name bob", False),
    ],
)
def test_answers_that_depend_on_values_are_not_remembered(argv, depends):
    from awsguard.risk import depends_on_values

    assert depends_on_values(parse(shlex.split(argv))) is depends


# --- real parses: the parser's params and options decide ------------------------------------------


@pytest.mark.parametrize(
    ("command", "risk"),
    [
        ("s3 cp ./f s3://b/k --acl public-read", Risk.EXPOSURE),
        ("s3 cp ./f s3://b/k --grants read=uri=" + ALL_USERS[4:], Risk.EXPOSURE),
        ("s3 sync ./d s3://b --acl public-read-write", Risk.EXPOSURE),
        ("s3api put-object --bucket b --key k --acl public-read", Risk.EXPOSURE),
        ("s3api put-object --bucket b --key k --grant-read " + ALL_USERS, Risk.EXPOSURE),
        ("s3api put-bucket-acl --bucket b --acl public-read", Risk.EXPOSURE),
        (
            "ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 22 "
            "--cidr 0.0.0.0/0",
            Risk.EXPOSURE,
        ),  # fmt: skip
        (
            "ec2 authorize-security-group-ingress --group-id sg-1 --ip-permissions "
            "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]",
            Risk.EXPOSURE,
        ),  # fmt: skip
        (
            "ec2 modify-image-attribute --image-id ami-1 --launch-permission Add=[{Group=all}]",
            Risk.EXPOSURE,
        ),  # fmt: skip
        (
            "ec2 modify-image-attribute --image-id ami-1 --attribute LaunchPermission "
            "--operation-type add --user-groups all",
            Risk.EXPOSURE,
        ),  # fmt: skip
        ("lambda create-function-url-config --function-name f --auth-type NONE", Risk.EXPOSURE),
        ("ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript", Risk.EXECUTE),
        ("ssm start-session --target i-1", Risk.EXECUTE),
        ("lambda update-function-code --function-name f --zip-file fileb://x.zip", Risk.EXECUTE),
        (
            "ec2 modify-instance-attribute --instance-id i-1 --attribute userData --value eA==",
            Risk.EXECUTE,
        ),  # fmt: skip
        (
            "route53 change-resource-record-sets --hosted-zone-id Z --change-batch "
            "Changes=[{Action=DELETE,ResourceRecordSet={Name=a.example.com,Type=A}}]",
            Risk.DESTRUCTIVE,
        ),  # fmt: skip
        (
            "dynamodb batch-write-item --request-items "
            """'{"t": [{"DeleteRequest": {"Key": {"k": {"S": "1"}}}}]}'""",
            Risk.DESTRUCTIVE,
        ),  # fmt: skip
        ("ecs update-service --service s --desired-count 0", Risk.DESTRUCTIVE),
        (
            "rds modify-db-instance --db-instance-identifier d --backup-retention-period 0",
            Risk.DESTRUCTIVE,
        ),  # fmt: skip
        (
            "rds modify-db-instance --db-instance-identifier d --no-deletion-protection",
            Risk.DESTRUCTIVE,
        ),  # fmt: skip
        (
            "cognito-idp admin-add-user-to-group --user-pool-id p --username u --group-name g",
            Risk.PERMISSIONS,
        ),  # fmt: skip
        ("organizations detach-policy --policy-id p-1 --target-id r-1", Risk.PERMISSIONS),
        ("cloudtrail stop-logging --name t", Risk.AUDIT_OFF),
        ("cloudtrail update-trail --name t --no-is-multi-region-trail", Risk.AUDIT_OFF),
        ("guardduty update-detector --detector-id d --no-enable", Risk.AUDIT_OFF),
        # the free neighbours
        ("s3 cp ./f s3://b/k", Risk.WRITE),
        ("s3 cp ./f s3://b/k --acl private", Risk.WRITE),
        ("s3 ls", Risk.READ),
        ("ecs update-service --service s --desired-count 3", Risk.WRITE),
        (
            "route53 change-resource-record-sets --hosted-zone-id Z --change-batch "
            "Changes=[{Action=UPSERT,ResourceRecordSet={Name=a.example.com,Type=A}}]",
            Risk.WRITE,
        ),  # fmt: skip
        (
            "ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 22 "
            "--cidr 203.0.113.7/32",
            Risk.WRITE,
        ),  # fmt: skip
        ("ec2 modify-image-attribute --image-id ami-1 --description Value=x", Risk.WRITE),
        (
            "ec2 modify-image-attribute --image-id ami-1 --launch-permission Add=[{Group=all}] "
            "--dry-run",
            Risk.READ,
        ),  # fmt: skip
        ("guardduty update-detector --detector-id d --enable", Risk.WRITE),
    ],
)
def test_real_parses(command, risk):
    result = classify(parse(shlex.split(command)))
    assert result.risk is risk, result.reason


def test_cli_input_json_in_a_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "share.json").write_text(
        json.dumps({"ImageId": "ami-1", "LaunchPermission": {"Add": [{"Group": "all"}]}})
    )
    inv = parse(["ec2", "modify-image-attribute", "--cli-input-json", "file://share.json"])
    result = classify(inv)
    assert (result.risk, result.reason) == (Risk.EXPOSURE, "shares the AMI publicly (group all)")


# --- the new risks in config.toml ---------------------------------------------------------------


@pytest.mark.parametrize("risk", ["exposure", "execute", "audit-off", "interactive"])
def test_new_risks_are_confirmed_by_default_and_tunable(tmp_path, risk):
    from awsguard.rules import GUARDED_BY_DEFAULT, parse_config

    assert risk in GUARDED_BY_DEFAULT
    assert parse_config("", tmp_path / "c.toml").plan(risk).level == "confirm"
    tuned = parse_config(f'[risk]\n"{risk}" = "type"\n', tmp_path / "c.toml")
    assert tuned.error is None and tuned.plan(risk).level == "type"
    relaxed = parse_config(
        f'[[rules]]\nrisk = ["{risk}"]\nconfirm = "never"\n', tmp_path / "c.toml"
    )
    assert relaxed.error is None and relaxed.plan(risk).level == "never"
    assert relaxed.plan("destructive").level == "confirm"


def test_an_unknown_risk_name_in_the_config_is_an_error(tmp_path):
    from awsguard.rules import parse_config

    config = parse_config('[risk]\nexposed = "never"\n', tmp_path / "c.toml")
    assert config.error is not None and "exposure" in str(config.error)
