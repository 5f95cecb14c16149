variable "region" {
  description = "AWS region of the whole stack."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, part of every resource name (prod, staging, ...)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC to deploy into (Mnemo does not own the network)."
  type        = string
  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets, one per availability zone: brokers, databases and tasks."
  type        = list(string)
  validation {
    condition     = length(var.private_subnet_ids) == 3
    error_message = "Three private subnets (three zones): MSK runs one broker per zone, replication factor 3."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets for the load balancer."
  type        = list(string)
  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An application load balancer needs at least two public subnets."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the load balancer's HTTPS listener."
  type        = string
  validation {
    condition     = can(regex("^arn:aws:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ingest_hostname" {
  description = "Host name producers call (routed to ingest)."
  type        = string
}

variable "query_hostname" {
  description = "Host name readers call (routed to query)."
  type        = string
}

variable "image_tag" {
  description = "Tag of the Mnemo images to run (infra/docker/build-images tags them with the commit)."
  type        = string
  validation {
    condition     = var.image_tag != "latest"
    error_message = "Pin a version: 'latest' makes a rollback impossible to name."
  }
}

variable "image_repository" {
  description = "Registry prefix of the Mnemo images, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mnemo."
  type        = string
}

variable "kafka_partitions" {
  description = "Partitions of the event and change topics (equal: docs/architecture.md); see docs/capacity.md."
  type        = number
  default     = 12
  validation {
    condition     = var.kafka_partitions >= 3 && var.kafka_partitions <= 1024
    error_message = "kafka_partitions must be between 3 and 1024."
  }
}

variable "msk_instance_type" {
  description = "Broker instance type (docs/capacity.md sizes it by memories per second)."
  type        = string
  default     = "kafka.m7g.large"
  validation {
    condition     = can(regex("^kafka\\.", var.msk_instance_type))
    error_message = "msk_instance_type must be an MSK broker type (kafka.*)."
  }
}

variable "msk_volume_gib" {
  description = "EBS storage per broker, GiB: the event log is kept forever."
  type        = number
  default     = 500
  validation {
    condition     = var.msk_volume_gib >= 100
    error_message = "At least 100 GiB per broker."
  }
}

variable "db_instance_class" {
  description = "RDS instance class of the primary and its replicas."
  type        = string
  default     = "db.r7g.large"
  validation {
    condition     = can(regex("^db\\.", var.db_instance_class))
    error_message = "db_instance_class must be an RDS class (db.*)."
  }
}

variable "db_replica_count" {
  description = "Read replicas the query service reads from."
  type        = number
  default     = 1
  validation {
    condition     = var.db_replica_count >= 1 && var.db_replica_count <= 5
    error_message = "Between 1 and 5 read replicas."
  }
}

variable "db_backup_retention_days" {
  description = "Automated backups and point-in-time recovery window, days."
  type        = number
  default     = 14
  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "Keep 7-35 days of backups (35 is RDS's maximum)."
  }
}

variable "staging_expiry_days" {
  description = "Days after which an upload left under staging/ (never referenced by a memory) is deleted."
  type        = number
  default     = 2
  validation {
    condition     = var.staging_expiry_days >= 1
    error_message = "At least one day: an upload must outlive the time its memory takes to be projected."
  }
}

variable "service_counts" {
  description = "Minimum and maximum task counts per service."
  type = object({
    ingest_min     = number
    ingest_max     = number
    processors_min = number
    processors_max = number
    query_min      = number
    query_max      = number
  })
  default = {
    ingest_min     = 2
    ingest_max     = 20
    processors_min = 2
    processors_max = 6
    query_min      = 2
    query_max      = 20
  }
  validation {
    condition     = var.service_counts.ingest_min >= 2 && var.service_counts.query_min >= 2 && var.service_counts.processors_min >= 2
    error_message = "At least two tasks of each service: one failure must not stop it."
  }
}

variable "otlp_endpoint" {
  description = "OTLP http/protobuf traces endpoint of a collector the tasks reach, e.g. http://otel-collector.mnemo-prod.internal:4318/v1/traces (an ADOT collector); empty: tracing off."
  type        = string
  default     = ""
  validation {
    condition     = var.otlp_endpoint == "" || can(regex("^https?://[^/\\s]+(/\\S*)?$", var.otlp_endpoint))
    error_message = "otlp_endpoint must be empty (tracing off) or an http(s) URL such as http://collector:4318/v1/traces."
  }
}

variable "tracing_sampling_ratio" {
  description = "Share of new traces (requests without a sampled traceparent) that are recorded; a caller's sampled traceparent is always followed."
  type        = number
  default     = 0.1
  validation {
    condition     = var.tracing_sampling_ratio >= 0 && var.tracing_sampling_ratio <= 1
    error_message = "tracing_sampling_ratio must be between 0 and 1."
  }
}
