# One Mnemo service on ECS Fargate: task definition (env from module outputs, secrets from Secrets Manager), a
# service spread over the private subnets that rolls back a failed deployment, CPU target-tracking autoscaling,
# and — for HTTP services — a target group behind the ALB checked on the admin /healthcheck.

variable "name" {
  description = "Service name."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks."
  type        = list(string)
}

variable "image" {
  description = "Container image."
  type        = string
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU)."
  type        = number
  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory, MiB (the JVM takes its heap as a share of it: JAVA_TOOL_OPTIONS in the image)."
  type        = number
}

variable "http_port" {
  description = "Application port served through the ALB; null for a service without one."
  type        = number
}

variable "admin_port" {
  description = "Admin port (/healthcheck, /prometheus)."
  type        = number
}

variable "environment" {
  description = "Environment variables (never secrets)."
  type        = map(string)
}

variable "secrets" {
  description = "Environment variables taken from Secrets Manager: name → secret ARN (optionally :json-key::)."
  type        = map(string)
}

variable "secret_arns" {
  description = "The secrets the task may read (execution role), exactly those named in secrets."
  type        = list(string)
}

variable "task_policy_json" {
  description = "IAM policy of the task's own role (what the service may do on AWS); null for none."
  type        = string
}

variable "min_count" {
  description = "Minimum number of tasks."
  type        = number
}

variable "max_count" {
  description = "Maximum number of tasks."
  type        = number
}

variable "cpu_target_percent" {
  description = "Average CPU the autoscaler keeps the tasks at."
  type        = number
  validation {
    condition     = var.cpu_target_percent >= 20 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 20 and 90."
  }
}

variable "listener_arn" {
  description = "ALB listener to route host_header to this service; null for none."
  type        = string
}

variable "listener_priority" {
  description = "Priority of the listener rule."
  type        = number
}

variable "host_header" {
  description = "Host name routed to this service."
  type        = string
}

variable "discovery_namespace_id" {
  description = "Cloud Map namespace to register the tasks in; null for none."
  type        = string
}

variable "discovery_name" {
  description = "Name in the Cloud Map namespace."
  type        = string
  default     = null
}

variable "container_health_command" {
  description = "ECS container health check command."
  type        = list(string)
  default     = ["CMD", "/app/bin/healthcheck"]
}

variable "migration" {
  description = "A container run to completion before the service's in every task (the schema migrations: mnemo db migrate from the CLI image), with its own environment and secrets; null: none."
  type = object({
    image       = string
    command     = list(string)
    environment = map(string)
    secrets     = map(string)
  })
  default = null
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention, days."
  type        = number
  default     = 30
}

data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "service" {
  name              = "/mnemo/${var.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# Execution role: pull the image, write logs, read exactly this service's secrets.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  count = length(var.secret_arns) > 0 ? 1 : 0
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  count  = length(var.secret_arns) > 0 ? 1 : 0
  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets[0].json
}

# Task role: what the service itself may do (S3 prefixes), nothing else.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy" "task" {
  count  = var.task_policy_json == null ? 0 : 1
  name   = "service"
  role   = aws_iam_role.task.id
  policy = var.task_policy_json
}

resource "aws_ecs_task_definition" "service" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  container_definitions = jsonencode(concat(var.migration == null ? [] : [{
    name        = "migrate"
    image       = var.migration.image
    essential   = false
    command     = var.migration.command
    environment = [for key, value in var.migration.environment : { name = key, value = value }]
    secrets     = [for key, arn in var.migration.secrets : { name = key, valueFrom = arn }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "migrate"
      }
    }
    }], [{
    name      = "service"
    image     = var.image
    essential = true
    portMappings = [for port in compact([var.http_port == null ? "" : tostring(var.http_port), tostring(var.admin_port)]) : {
      containerPort = tonumber(port)
      protocol      = "tcp"
    }]
    environment = [for key, value in var.environment : { name = key, value = value }]
    secrets     = [for key, arn in var.secrets : { name = key, valueFrom = arn }]
    healthCheck = {
      command     = var.container_health_command
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 90
    }
    # a clean stop leaves consumer groups and finishes the Streams transaction
    stopTimeout = 60
    # started only once the migration container exited 0 (a failed migration fails the task, and the deployment
    # circuit breaker rolls back)
    dependsOn = var.migration == null ? null : [{ containerName = "migrate", condition = "SUCCESS" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "service"
      }
    }
  }]))
}

resource "aws_lb_target_group" "http" {
  count                = var.listener_arn == null ? 0 : 1
  name                 = substr(replace(var.name, "_", "-"), 0, 32)
  port                 = var.http_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  health_check {
    path                = "/healthcheck"
    port                = tostring(var.admin_port)
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
    matcher             = "200"
  }
}

resource "aws_lb_listener_rule" "host" {
  count        = var.listener_arn == null ? 0 : 1
  listener_arn = var.listener_arn
  priority     = var.listener_priority
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http[0].arn
  }
  condition {
    host_header {
      values = [var.host_header]
    }
  }
}

resource "aws_service_discovery_service" "service" {
  count = var.discovery_namespace_id == null ? 0 : 1
  name  = var.discovery_name
  dns_config {
    namespace_id = var.discovery_namespace_id
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
  health_check_custom_config {
    failure_threshold = 1
  }
}

resource "aws_ecs_service" "service" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.service.arn
  desired_count                      = var.min_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.listener_arn == null ? null : 120
  enable_execute_command             = false
  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  dynamic "load_balancer" {
    for_each = aws_lb_target_group.http
    content {
      target_group_arn = load_balancer.value.arn
      container_name   = "service"
      container_port   = var.http_port
    }
  }
  dynamic "service_registries" {
    for_each = aws_service_discovery_service.service
    content {
      registry_arn = service_registries.value.arn
    }
  }
  # the autoscaler owns the count after creation
  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "service" {
  service_namespace  = "ecs"
  resource_id        = "service/${element(split("/", var.cluster_arn), 1)}/${aws_ecs_service.service.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension
  policy_type        = "TargetTrackingScaling"
  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 30
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.service.name
}

output "task_role_arn" {
  description = "Task role (attach more policies here if the service gains AWS needs)."
  value       = aws_iam_role.task.arn
}
