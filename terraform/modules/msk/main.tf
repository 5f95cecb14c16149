# Three brokers, one per zone; TLS between clients and brokers and between brokers; settings as `mnemo dev --ha`
# (replication 3, min ISR 2, no unclean election) and a short session timeout so a broker's failover fits
# ingest's publish timeout (docs/architecture.md, "Publish timeout").

variable "name" {
  description = "Name prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the brokers."
  type        = string
}

variable "subnet_ids" {
  description = "One private subnet per broker."
  type        = list(string)
}

variable "client_sg_id" {
  description = "Security group of the clients allowed to reach the brokers."
  type        = string
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
}

variable "volume_gib" {
  description = "EBS storage per broker, GiB."
  type        = number
}

variable "partitions" {
  description = "Partitions of Mnemo's per-user topics."
  type        = number
}

variable "kafka_version" {
  description = "MSK Kafka version (KRaft)."
  type        = string
  default     = "3.9.x"
}

resource "aws_security_group" "brokers" {
  name        = "${var.name}-msk"
  description = "MSK brokers: TLS from Mnemo's tasks only"
  vpc_id      = var.vpc_id
  ingress {
    from_port       = 9094
    to_port         = 9094
    protocol        = "tcp"
    security_groups = [var.client_sg_id]
  }
}

resource "aws_msk_configuration" "mnemo" {
  name           = "${var.name}-brokers"
  kafka_versions = [var.kafka_version]
  server_properties = <<-PROPERTIES
    default.replication.factor=3
    min.insync.replicas=2
    unclean.leader.election.enable=false
    auto.create.topics.enable=false
    offsets.topic.replication.factor=3
    transaction.state.log.replication.factor=3
    transaction.state.log.min.isr=2
    num.partitions=${var.partitions}
  PROPERTIES
}

resource "aws_cloudwatch_log_group" "brokers" {
  name              = "/mnemo/${var.name}/msk"
  retention_in_days = 30
}

resource "aws_msk_cluster" "mnemo" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = length(var.subnet_ids)

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.brokers.id]
    storage_info {
      ebs_storage_info {
        volume_size = var.volume_gib
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.mnemo.arn
    revision = aws_msk_configuration.mnemo.latest_revision
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  # the services authenticate by network (security group) and TLS; IAM auth needs aws-msk-iam-auth in the images
  client_authentication {
    unauthenticated = true
  }

  enhanced_monitoring = "PER_TOPIC_PER_PARTITION"

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.brokers.name
      }
    }
  }
}

# Mnemo's topics, as io.mnemo.schemas.Topics defines them: the log and the changes are kept forever, activity is
# compacted. The event and change topics must have the same partition count (read-your-writes).
locals {
  topics = {
    "mnemo.memory-events.v1"  = { "retention.ms" = "-1", "retention.bytes" = "-1" }
    "mnemo.memory-changes.v1" = { "retention.ms" = "-1", "retention.bytes" = "-1" }
    "mnemo.user-activity.v1"  = { "cleanup.policy" = "compact" }
    "mnemo.dead-letters.v1"   = { "retention.ms" = "-1", "retention.bytes" = "-1" }
  }
}

resource "kafka_topic" "mnemo" {
  for_each           = local.topics
  name               = each.key
  partitions         = var.partitions
  replication_factor = 3
  config             = merge({ "min.insync.replicas" = "2" }, each.value)
  depends_on         = [aws_msk_cluster.mnemo]
}

output "bootstrap_brokers_tls" {
  description = "Comma-separated TLS bootstrap brokers."
  value       = aws_msk_cluster.mnemo.bootstrap_brokers_tls
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_msk_cluster.mnemo.arn
}
