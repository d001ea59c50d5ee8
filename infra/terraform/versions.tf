terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }

  # One state per environment, chosen at init (see README.md):
  #   terraform init -backend-config="bucket=TFSTATE_BUCKET" -backend-config="prefix=finding-relay/staging"
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}
