# The media bucket: private, encrypted, versioned (a bad delete can be undone within 30 days), uploads abandoned
# under staging/ expire (the media sink promotes or deletes every upload it learns of, so what is left there was
# never referenced). Also the least-privilege policies of the services that use it.

variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "staging_expiry_days" {
  description = "Days after which objects under staging/ are deleted."
  type        = number
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept."
  type        = number
  default     = 30
}

resource "aws_s3_bucket" "media" {
  bucket = var.name
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    id     = "expire-abandoned-staging"
    status = "Enabled"
    filter {
      prefix = "staging/"
    }
    expiration {
      days = var.staging_expiry_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }
  rule {
    id     = "abort-incomplete-multipart"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {
      prefix = "media/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }
}

resource "aws_s3_bucket_policy" "tls_only" {
  bucket = aws_s3_bucket.media.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.media.arn, "${aws_s3_bucket.media.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

# ingest stages uploads (multipart) under staging/ only
data "aws_iam_policy_document" "ingest" {
  statement {
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.media.arn}/staging/*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/staging/*"]
  }
}

# the media sink reads staged uploads, writes content-addressed media/, deletes both
data "aws_iam_policy_document" "processors" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.media.arn}/staging/*", "${aws_s3_bucket.media.arn}/media/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.media.arn]
  }
}

# query signs download URLs for media/ (the signature carries its role's permission)
data "aws_iam_policy_document" "query" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/media/*"]
  }
}

output "bucket_name" {
  description = "Name of the media bucket."
  value       = aws_s3_bucket.media.id
}

output "ingest_policy_json" {
  description = "Task policy of ingest."
  value       = data.aws_iam_policy_document.ingest.json
}

output "processors_policy_json" {
  description = "Task policy of the processors."
  value       = data.aws_iam_policy_document.processors.json
}

output "query_policy_json" {
  description = "Task policy of query."
  value       = data.aws_iam_policy_document.query.json
}
