# Secrets Mnemo generates itself (the database owner's password is RDS-managed): the query service's cursor-signing
# key, and the password of each service's own Postgres role (V15; the processors' migrations set them on the roles).

variable "name" {
  description = "Name prefix."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}

resource "random_password" "cursor" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "cursor" {
  name                    = "${var.name}/cursor-secret"
  description             = "HMAC key of the query service's page cursors (MNEMO_CURSOR_SECRET)"
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "cursor" {
  secret_id     = aws_secretsmanager_secret.cursor.id
  secret_string = random_password.cursor.result
}

output "cursor_secret_arn" {
  description = "ARN of the cursor secret (plain string)."
  value       = aws_secretsmanager_secret.cursor.arn
}

resource "random_password" "db_role" {
  for_each = toset(["ingest", "query", "processor"])
  length   = 48
  special  = false
}

resource "aws_secretsmanager_secret" "db_role" {
  for_each                = random_password.db_role
  name                    = "${var.name}/pg-${each.key}-password"
  description             = "Password of the Postgres role mnemo_${each.key} (docs/security.md, least privilege)"
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "db_role" {
  for_each      = random_password.db_role
  secret_id     = aws_secretsmanager_secret.db_role[each.key].id
  secret_string = each.value.result
}

output "db_role_password_arns" {
  description = "ARN of each service role's password (plain string), by role: ingest, query, processor."
  value       = { for role, secret in aws_secretsmanager_secret.db_role : role => secret.arn }
}
