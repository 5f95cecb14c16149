# Secrets Mnemo generates itself (the database password is RDS-managed): the query service's cursor-signing key.

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
