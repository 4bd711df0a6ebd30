"""format check: the ward's policy for the Annex I format check and the latest result per version

Before a review step or a signature docflow checks the PDF against Decree 30's Annex I. Each ward chooses
which findings block and which warn (format_check_settings, one row per changed check); the findings of the
check on a version are kept (format_check_results) for the clerk's format review. Both carry organisation_id.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "format_check_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("is_blocking", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_format_check_settings_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_format_check_settings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_format_check_settings")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_format_check_settings_organisation_id_code")),
    )
    op.create_index(op.f("ix_format_check_settings_organisation_id"), "format_check_settings", ["organisation_id"])
    op.create_table(
        "format_check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("checker", sa.String(length=20), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_format_check_results_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"],
                                name=op.f("fk_format_check_results_version_id_document_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_format_check_results")),
        sa.UniqueConstraint("version_id", name=op.f("uq_format_check_results_version_id")),
    )
    op.create_index(op.f("ix_format_check_results_organisation_id"), "format_check_results", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_format_check_results_organisation_id"), table_name="format_check_results")
    op.drop_table("format_check_results")
    op.drop_index(op.f("ix_format_check_settings_organisation_id"), table_name="format_check_settings")
    op.drop_table("format_check_settings")
