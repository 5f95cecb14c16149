# Secrets Mnemo generates itself (the database owner's password is RDS-managed): the query service's cursor-signing
# key, the password of each service's own Postgres role (V15; the migrations set them on the roles), and the master
# key that wraps the users' data keys (crypto-shredding).

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

# 32 random bytes, base64 (MNEMO_MASTER_KEY of ingest, the processors and the CLI). Losing it makes every sealed
# memory unreadable: Terraform refuses to destroy it, and the database backups must not be kept beside it.
resource "random_bytes" "master_key" {
  length = 32
}

resource "aws_secretsmanager_secret" "master_key" {
  name                    = "${var.name}/master-key"
  description             = "Master key wrapping the users' data keys (MNEMO_MASTER_KEY, docs/security.md)"
  recovery_window_in_days = var.recovery_window_days
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_secretsmanager_secret_version" "master_key" {
  secret_id     = aws_secretsmanager_secret.master_key.id
  secret_string = random_bytes.master_key.base64
}

output "master_key_secret_arn" {
  description = "ARN of the master key (plain string, base64): MNEMO_MASTER_KEY."
  value       = aws_secretsmanager_secret.master_key.arn
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
