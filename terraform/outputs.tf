output "alb_dns_name" {
  description = "Point ingest_hostname and query_hostname (CNAME/alias) here."
  value       = aws_lb.public.dns_name
}

output "service_environment" {
  description = "The environment every Mnemo service runs with (also what the CLI image needs for operations)."
  value       = local.common_env
}

output "kafka_bootstrap_brokers_tls" {
  description = "MNEMO_KAFKA_BOOTSTRAP."
  value       = module.msk.bootstrap_brokers_tls
}

output "pg_primary_jdbc_url" {
  description = "MNEMO_PG_PRIMARY_URL."
  value       = module.rds.primary_jdbc_url
}

output "pg_replica_jdbc_urls" {
  description = "MNEMO_PG_REPLICA_URLS (comma-joined)."
  value       = module.rds.replica_jdbc_urls
}

output "pg_master_secret_arn" {
  description = "Secrets Manager secret holding the database password (key 'password'): MNEMO_PG_PASSWORD."
  value       = module.rds.master_secret_arn
}

output "cursor_secret_arn" {
  description = "Secrets Manager secret of the query service's cursor key: MNEMO_CURSOR_SECRET."
  value       = module.secrets.cursor_secret_arn
}

output "master_key_secret_arn" {
  description = "Secrets Manager secret of the master key wrapping users' data keys: MNEMO_MASTER_KEY (ingest, processors, CLI)."
  value       = module.secrets.master_key_secret_arn
}

output "media_bucket" {
  description = "MNEMO_S3_BUCKET."
  value       = module.media_bucket.bucket_name
}
