# PostgreSQL: a Multi-AZ primary with automated backups (point-in-time recovery within the retention window),
# deletion protection and a final snapshot, plus read replicas for the query service. The master password is
# generated and rotated by RDS in Secrets Manager (manage_master_user_password): it is never in state or code.

variable "name" {
  description = "Name prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the databases."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group."
  type        = list(string)
}

variable "client_sg_id" {
  description = "Security group of the clients allowed to connect."
  type        = string
}

variable "instance_class" {
  description = "Instance class of the primary and the replicas."
  type        = string
}

variable "replica_count" {
  description = "Number of read replicas."
  type        = number
}

variable "backup_retention_days" {
  description = "Automated backup retention (PITR window), days."
  type        = number
}

variable "engine_version" {
  description = "PostgreSQL major version (18 or later: the memories sink uses RETURNING old.*)."
  type        = string
  default     = "18"

  validation {
    condition     = can(tonumber(var.engine_version)) && tonumber(var.engine_version) >= 18
    error_message = "engine_version must be a PostgreSQL major version of 18 or later (the memories sink uses RETURNING old.*, new in 18)."
  }
}

variable "allocated_storage_gib" {
  description = "Initial storage, GiB (grows automatically up to 10×)."
  type        = number
  default     = 200
}

resource "aws_db_subnet_group" "mnemo" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL from Mnemo's tasks only"
  vpc_id      = var.vpc_id
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [var.client_sg_id]
  }
}

# the settings the services rely on (docs/architecture.md): many partitions read with generic plans
resource "aws_db_parameter_group" "mnemo" {
  name   = "${var.name}-pg${var.engine_version}"
  family = "postgres${var.engine_version}"
  parameter {
    name  = "plan_cache_mode"
    value = "force_generic_plan"
  }
  parameter {
    name  = "hot_standby_feedback"
    value = "1"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

resource "aws_db_instance" "primary" {
  identifier                   = "${var.name}-primary"
  engine                       = "postgres"
  engine_version               = var.engine_version
  instance_class               = var.instance_class
  db_name                      = "mnemo"
  username                     = "mnemo"
  manage_master_user_password  = true
  allocated_storage            = var.allocated_storage_gib
  max_allocated_storage        = var.allocated_storage_gib * 10
  storage_type                 = "gp3"
  storage_encrypted            = true
  multi_az                     = true
  db_subnet_group_name         = aws_db_subnet_group.mnemo.name
  vpc_security_group_ids       = [aws_security_group.db.id]
  parameter_group_name         = aws_db_parameter_group.mnemo.name
  backup_retention_period      = var.backup_retention_days
  backup_window                = "02:00-03:00"
  maintenance_window           = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot        = true
  deletion_protection          = true
  skip_final_snapshot          = false
  final_snapshot_identifier    = "${var.name}-primary-final"
  performance_insights_enabled = true
  auto_minor_version_upgrade   = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_db_instance" "replica" {
  count                        = var.replica_count
  identifier                   = "${var.name}-replica-${count.index + 1}"
  replicate_source_db          = aws_db_instance.primary.identifier
  instance_class               = var.instance_class
  storage_encrypted            = true
  vpc_security_group_ids       = [aws_security_group.db.id]
  parameter_group_name         = aws_db_parameter_group.mnemo.name
  performance_insights_enabled = true
  skip_final_snapshot          = true
  auto_minor_version_upgrade   = true
}

output "primary_jdbc_url" {
  description = "JDBC URL of the primary."
  value       = "jdbc:postgresql://${aws_db_instance.primary.address}:5432/mnemo?sslmode=require"
}

output "replica_jdbc_urls" {
  description = "JDBC URLs of the read replicas."
  value       = [for replica in aws_db_instance.replica : "jdbc:postgresql://${replica.address}:5432/mnemo?sslmode=require"]
}

output "username" {
  description = "Master user name."
  value       = aws_db_instance.primary.username
}

output "master_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in (JSON key 'password')."
  value       = aws_db_instance.primary.master_user_secret[0].secret_arn
}
