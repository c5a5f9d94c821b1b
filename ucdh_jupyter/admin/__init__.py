"""Administrator tools: IAM policies and a CloudFormation template from the server's config."""
