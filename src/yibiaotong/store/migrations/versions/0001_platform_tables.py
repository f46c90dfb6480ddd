"""platform tables

Revision ID: 0001
Revises:
Create Date: 2026-11-29 22:37:09.771468
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # platform tables of yibiaotong
    op.create_table('ybt_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ybt_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ybt_audit_at'), ['at'], unique=False)

    op.create_table('ybt_codelist',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('pack', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ybt_element',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('pack', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ybt_ledger',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('table_name', sa.String(length=120), nullable=False),
    sa.Column('key_columns', sa.JSON(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('table_name')
    )
    op.create_table('ybt_org_unit',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['ybt_org_unit.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('ybt_org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ybt_org_unit_path'), ['path'], unique=False)

    op.create_table('ybt_source',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('file_name', sa.String(length=500), nullable=True),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('sheet', sa.String(length=200), nullable=True),
    sa.Column('period', sa.String(length=20), nullable=True),
    sa.Column('task', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ybt_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ledger_id', sa.String(length=100), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('column_name', sa.String(length=100), nullable=True),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['ybt_source.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ybt_change', schema=None) as batch_op:
        batch_op.create_index('ix_ybt_change_record', ['ledger_id', 'record_id'], unique=False)

    op.create_table('ybt_ledger_column',
    sa.Column('ledger_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('element_id', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ledger_id'], ['ybt_ledger.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ledger_id', 'name')
    )
    op.create_table('ybt_user',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('org_unit', sa.String(length=32), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit'], ['ybt_org_unit.code'], ),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    # platform tables of yibiaotong
    op.drop_table('ybt_user')
    op.drop_table('ybt_ledger_column')
    with op.batch_alter_table('ybt_change', schema=None) as batch_op:
        batch_op.drop_index('ix_ybt_change_record')

    op.drop_table('ybt_change')
    op.drop_table('ybt_source')
    with op.batch_alter_table('ybt_org_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ybt_org_unit_path'))

    op.drop_table('ybt_org_unit')
    op.drop_table('ybt_ledger')
    op.drop_table('ybt_element')
    op.drop_table('ybt_codelist')
    with op.batch_alter_table('ybt_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ybt_audit_at'))

    op.drop_table('ybt_audit')
