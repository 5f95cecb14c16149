terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    kafka = {
      source  = "Mongey/kafka"
      version = "~> 0.8"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
  # state per environment: terraform init -backend-config=env/prod.s3.tfbackend
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = local.tags
  }
}

# Creates Mnemo's topics with their settings (the services run with MNEMO_KAFKA_PROVISION_TOPICS=false). Runs
# from a host inside the VPC (CI runner or bastion), as MSK brokers are not public.
provider "kafka" {
  bootstrap_servers = split(",", module.msk.bootstrap_brokers_tls)
  tls_enabled       = true
}
