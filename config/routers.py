"""The database router of the read replica: see ``utilities/replica.py`` for when reads go there."""

from utilities.replica import REPLICA, reading_from_replica


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads inside ``replica_reads()`` to ``replica``, the rest to default."""

    def db_for_read(self, model, **hints):
        # None: Django's own choice, the database the related instance came from, else default.
        return REPLICA if reading_from_replica() else None

    def db_for_write(self, model, **hints):
        # Never the replica, even for an instance that was read from it.
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary by replication; migrate runs on default only.
        return False if db == REPLICA else None
