# Mnemo on AWS: MSK (3 brokers, TLS), RDS PostgreSQL (Multi-AZ primary, read replicas, PITR), an S3 media bucket,
# Secrets Manager, and the services on ECS Fargate behind an ALB, each with autoscaling and a least-privilege role.
# Validated here without a Terraform binary: terraform/check parses every file with @cdktf/hcl2json and
# TerraformModulesTest checks variables, module inputs and outputs.

locals {
  name = "mnemo-${var.environment}"
  tags = {
    Project     = "mnemo"
    Environment = var.environment
  }
  # the services' environment: every endpoint comes from a module output (12-factor, infra/README.md)
  common_env = {
    MNEMO_PROFILE                  = "production"
    MNEMO_BIND_HOST                = "0.0.0.0"
    MNEMO_KAFKA_BOOTSTRAP          = module.msk.bootstrap_brokers_tls
    MNEMO_KAFKA_SECURITY_PROTOCOL  = "SSL"
    MNEMO_KAFKA_PARTITIONS         = tostring(var.kafka_partitions)
    MNEMO_KAFKA_REPLICATION_FACTOR = "3"
    MNEMO_KAFKA_PROVISION_TOPICS   = "false"
    MNEMO_SCHEMA_REGISTRY_URL      = "http://schema-registry.${local.name}.internal:8081"
    MNEMO_PG_PRIMARY_URL           = module.rds.primary_jdbc_url
    MNEMO_S3_ENDPOINT              = ""
    MNEMO_S3_REGION                = var.region
    MNEMO_S3_BUCKET                = module.media_bucket.bucket_name
    MNEMO_S3_PATH_STYLE            = "false"
    MNEMO_LOG_APPENDER             = "console-json"
    # OpenTelemetry spans over OTLP to var.otlp_endpoint (off when it is empty); each service names itself
    # (mnemo-ingest, mnemo-processors, mnemo-query) unless MNEMO_TRACING_SERVICE_NAME is set
    MNEMO_TRACING_ENABLED          = tostring(var.otlp_endpoint != "")
    MNEMO_OTLP_ENDPOINT            = var.otlp_endpoint
    MNEMO_TRACING_SAMPLING_RATIO   = tostring(var.tracing_sampling_ratio)
  }
  # each service logs in as its own Postgres role (V15) with its own secret; only the migration container of the
  # processors' tasks (mnemo db migrate) uses the RDS-managed owner (master) login, and sets the roles' passwords
  # from the same secrets
  migration_secrets = {
    MNEMO_PG_PASSWORD           = "${module.rds.master_secret_arn}:password::"
    MNEMO_PG_INGEST_PASSWORD    = module.secrets.db_role_password_arns["ingest"]
    MNEMO_PG_QUERY_PASSWORD     = module.secrets.db_role_password_arns["query"]
    MNEMO_PG_PROCESSOR_PASSWORD = module.secrets.db_role_password_arns["processor"]
  }
}

resource "aws_ecs_cluster" "mnemo" {
  name = local.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name = "${local.name}.internal"
  vpc  = var.vpc_id
}

resource "aws_security_group" "services" {
  name        = "${local.name}-services"
  description = "Mnemo tasks: reach MSK, RDS, the registry; reached by the ALB"
  vpc_id      = var.vpc_id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "services_from_each_other" {
  type                     = "ingress"
  security_group_id        = aws_security_group.services.id
  source_security_group_id = aws_security_group.services.id
  from_port                = 8081
  to_port                  = 8091
  protocol                 = "tcp"
  description              = "registry (8081) and admin ports between tasks"
}

module "msk" {
  source             = "./modules/msk"
  name               = local.name
  vpc_id             = var.vpc_id
  subnet_ids         = var.private_subnet_ids
  client_sg_id       = aws_security_group.services.id
  instance_type      = var.msk_instance_type
  volume_gib         = var.msk_volume_gib
  partitions         = var.kafka_partitions
}

module "rds" {
  source                = "./modules/rds"
  name                  = local.name
  vpc_id                = var.vpc_id
  subnet_ids            = var.private_subnet_ids
  client_sg_id          = aws_security_group.services.id
  instance_class        = var.db_instance_class
  replica_count         = var.db_replica_count
  backup_retention_days = var.db_backup_retention_days
}

module "media_bucket" {
  source              = "./modules/media_bucket"
  name                = "${local.name}-media"
  staging_expiry_days = var.staging_expiry_days
}

module "secrets" {
  source = "./modules/secrets"
  name   = local.name
}

resource "aws_lb" "public" {
  name               = local.name
  load_balancer_type = "application"
  subnets            = var.public_subnet_ids
  security_groups    = [aws_security_group.alb.id]
  # above ingest's 20 s publish timeout and a slow export's pauses
  idle_timeout               = 60
  drop_invalid_header_fields = true
}

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "Public HTTPS"
  vpc_id      = var.vpc_id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port       = 8080
    to_port         = 8083
    protocol        = "tcp"
    security_groups = [aws_security_group.services.id]
  }
}

resource "aws_security_group_rule" "services_from_alb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.services.id
  source_security_group_id = aws_security_group.alb.id
  from_port                = 8080
  to_port                  = 8083
  protocol                 = "tcp"
  description              = "HTTP and admin (health checks) from the ALB"
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/problem+json"
      message_body = "{\"title\":\"Not Found\",\"status\":404}"
      status_code  = "404"
    }
  }
}

module "ingest" {
  source             = "./modules/ecs_service"
  name               = "${local.name}-ingest"
  cluster_arn        = aws_ecs_cluster.mnemo.arn
  vpc_id             = var.vpc_id
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [aws_security_group.services.id]
  image              = "${var.image_repository}/mnemo-ingest:${var.image_tag}"
  cpu                = 1024
  memory             = 2048
  http_port          = 8080
  admin_port         = 8081
  environment        = merge(local.common_env, { MNEMO_PG_USER = "mnemo_ingest" })
  secrets = {
    MNEMO_PG_PASSWORD = module.secrets.db_role_password_arns["ingest"]
    MNEMO_MASTER_KEY  = module.secrets.master_key_secret_arn
  }
  secret_arns        = [module.secrets.db_role_password_arns["ingest"], module.secrets.master_key_secret_arn]
  task_policy_json   = module.media_bucket.ingest_policy_json
  min_count          = var.service_counts.ingest_min
  max_count          = var.service_counts.ingest_max
  cpu_target_percent = 60
  listener_arn       = aws_lb_listener.https.arn
  listener_priority  = 10
  host_header        = var.ingest_hostname
  discovery_namespace_id = null
}

module "query" {
  source             = "./modules/ecs_service"
  name               = "${local.name}-query"
  cluster_arn        = aws_ecs_cluster.mnemo.arn
  vpc_id             = var.vpc_id
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [aws_security_group.services.id]
  image              = "${var.image_repository}/mnemo-query:${var.image_tag}"
  cpu                = 1024
  memory             = 2048
  http_port          = 8082
  admin_port         = 8083
  environment = merge(local.common_env, {
    MNEMO_PG_REPLICA_URL  = module.rds.replica_jdbc_urls[0]
    MNEMO_PG_REPLICA_URLS = join(",", module.rds.replica_jdbc_urls)
    MNEMO_PG_USER         = "mnemo_query"
  })
  secrets = {
    MNEMO_PG_PASSWORD   = module.secrets.db_role_password_arns["query"]
    MNEMO_CURSOR_SECRET = module.secrets.cursor_secret_arn
  }
  secret_arns        = [module.secrets.db_role_password_arns["query"], module.secrets.cursor_secret_arn]
  task_policy_json   = module.media_bucket.query_policy_json
  min_count          = var.service_counts.query_min
  max_count          = var.service_counts.query_max
  cpu_target_percent = 60
  listener_arn       = aws_lb_listener.https.arn
  listener_priority  = 20
  host_header        = var.query_hostname
  discovery_namespace_id = null
}

module "processors" {
  source             = "./modules/ecs_service"
  name               = "${local.name}-processors"
  cluster_arn        = aws_ecs_cluster.mnemo.arn
  vpc_id             = var.vpc_id
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [aws_security_group.services.id]
  image              = "${var.image_repository}/mnemo-processors:${var.image_tag}"
  cpu                = 2048
  memory             = 4096
  http_port          = null
  admin_port         = 8091
  environment = merge(local.common_env, {
    MNEMO_STREAMS_THREADS          = "2"
    MNEMO_STREAMS_STANDBY_REPLICAS = "1"
    MNEMO_PG_USER                  = "mnemo_processor"
    # the migration container below migrated before this one started
    MNEMO_MIGRATE_ON_START         = "false"
  })
  secrets = {
    MNEMO_PG_PASSWORD = module.secrets.db_role_password_arns["processor"]
    MNEMO_MASTER_KEY  = module.secrets.master_key_secret_arn
  }
  # Every task runs the schema migrations first, as the owner, in a container of its own (the same release's CLI
  # image): concurrent tasks are serialised by Flyway's advisory lock, and a later run finds nothing to do.
  migration = {
    image   = "${var.image_repository}/mnemo-cli:${var.image_tag}"
    command = ["db", "migrate"]
    environment = {
      MNEMO_PG_PRIMARY_URL = module.rds.primary_jdbc_url
      MNEMO_PG_USER        = module.rds.username
    }
    secrets = local.migration_secrets
  }
  secret_arns = concat([module.rds.master_secret_arn, module.secrets.master_key_secret_arn],
    values(module.secrets.db_role_password_arns))
  task_policy_json = module.media_bucket.processors_policy_json
  min_count        = var.service_counts.processors_min
  # more stream threads than partitions would idle (2 threads a task)
  max_count          = min(var.service_counts.processors_max, floor(var.kafka_partitions / 2))
  cpu_target_percent = 70
  listener_arn       = null
  listener_priority  = null
  host_header        = null
  discovery_namespace_id = null
}

# Confluent's schema registry (MSK has none that speaks the Confluent protocol); found by the services at
# schema-registry.<name>.internal through Cloud Map.
module "schema_registry" {
  source             = "./modules/ecs_service"
  name               = "${local.name}-schema-registry"
  cluster_arn        = aws_ecs_cluster.mnemo.arn
  vpc_id             = var.vpc_id
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [aws_security_group.services.id]
  image              = "confluentinc/cp-schema-registry:8.0.0"
  cpu                = 512
  memory             = 1024
  http_port          = null
  admin_port         = 8081
  environment = {
    SCHEMA_REGISTRY_HOST_NAME                    = "schema-registry.${local.name}.internal"
    SCHEMA_REGISTRY_LISTENERS                    = "http://0.0.0.0:8081"
    SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS = module.msk.bootstrap_brokers_tls
    SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL = "SSL"
    SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL   = "backward_transitive"
  }
  secrets                = {}
  secret_arns            = []
  task_policy_json       = null
  min_count              = 2
  max_count              = 2
  cpu_target_percent     = 70
  listener_arn           = null
  listener_priority      = null
  host_header            = null
  discovery_namespace_id = aws_service_discovery_private_dns_namespace.internal.id
  discovery_name         = "schema-registry"
  container_health_command = ["CMD-SHELL", "curl -fsS http://localhost:8081/subjects > /dev/null"]
}
