"""Per-user change stamps, kept by the database itself.

A user's stamp (`ChangeStamp.value`) is a random value renewed by database triggers in the
same transaction as every insert, update and delete of a tracked row: the user's workout
sessions and bouts (tracked by the workouts app), weight entries and the body metrics on the
user row. So "has anything this user reads changed?" costs one primary-key read, and no
write path can forget to say so: not a queryset `.update()`, a cascade, the admin or a worker.
ETags and cached statistics are keyed on it (coach.api.conditional, workouts.stats).

Random rather than a counter, so a stamp never comes back: not after a rolled-back test, not
in a database restored or re-created under the same user ids with a cache that outlived it
(PostgreSQL's gen_random_uuid() needs version 13 or later).

The triggers are (re)installed after every `migrate` (post_migrate, users.apps): SQLite
rebuilds a table to alter it and drops its triggers with it, so a later migration must not
be able to lose them. Read the stamp before the data it covers: a change committed between
the two then gives an answer under the older stamp, which the next request finds changed.
"""

from django.db import connections, transaction
from django.db.models import Model

# Models whose rows belong to a user through a `user_id` column; apps add theirs in ready().
_tracked: list[type[Model]] = []

# The body metrics on the user row (the other columns change no stamp: a log-in writes
# last_login, and nothing read through a stamp shows them).
USER_BODY_COLUMNS = ("height_cm", "sex", "birth_date")


def track(*models: type[Model]) -> None:
    """Renews the owner's stamp on every change to these models' rows (with `user_id`)."""
    _tracked.extend(m for m in models if m not in _tracked)


def install_triggers(using: str = "default", **kwargs) -> None:
    """Creates (or re-creates) the triggers and a stamp for every user without one."""
    from users.models import ChangeStamp, User

    connection = connections[using]
    existing = set(connection.introspection.table_names())
    stamps, users = ChangeStamp._meta.db_table, User._meta.db_table
    if not {stamps, users} <= existing:
        return  # migrated only part of the way
    sql = SQL[connection.vendor]
    statements = [*sql.functions(stamps), *sql.user_triggers(users, stamps)]
    for model in _tracked:
        if model._meta.db_table in existing:
            statements += sql.owned_triggers(model._meta.db_table, stamps)
    statements.append(
        f"INSERT INTO {stamps} (user_id, value) SELECT id, {sql.random_value} FROM {users} "
        f"WHERE id NOT IN (SELECT user_id FROM {stamps})"
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class PostgresSql:
    random_value = "gen_random_uuid()::text"

    @staticmethod
    def functions(stamps: str) -> list[str]:
        renew = (
            f"INSERT INTO {stamps} (user_id, value) VALUES ({{owner}}, gen_random_uuid()::text) "
            "ON CONFLICT (user_id) DO UPDATE SET value = EXCLUDED.value"
        )
        return [
            f"""CREATE OR REPLACE FUNCTION coach_renew_owner_stamp() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {renew.format(owner="OLD.user_id")}; END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
                    {renew.format(owner="NEW.user_id")};
                END IF;
                RETURN NULL;
            END $$""",
            f"""CREATE OR REPLACE FUNCTION coach_renew_user_stamp() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM {stamps} WHERE user_id = OLD.id;
                ELSE
                    {renew.format(owner="NEW.id")};
                END IF;
                RETURN NULL;
            END $$""",
        ]

    @staticmethod
    def user_triggers(users: str, stamps: str) -> list[str]:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in USER_BODY_COLUMNS)
        return [
            f"DROP TRIGGER IF EXISTS coach_change_stamp ON {users}",
            f"DROP TRIGGER IF EXISTS coach_change_stamp_body ON {users}",
            f"CREATE TRIGGER coach_change_stamp AFTER INSERT OR DELETE ON {users} "
            "FOR EACH ROW EXECUTE FUNCTION coach_renew_user_stamp()",
            f"CREATE TRIGGER coach_change_stamp_body AFTER UPDATE ON {users} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION coach_renew_user_stamp()",
        ]

    @staticmethod
    def owned_triggers(table: str, stamps: str) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS coach_change_stamp ON {table}",
            f"CREATE TRIGGER coach_change_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION coach_renew_owner_stamp()",
        ]


class SqliteSql:
    random_value = "lower(hex(randomblob(16)))"

    @staticmethod
    def functions(stamps: str) -> list[str]:
        return []  # SQLite triggers carry their statements inline

    @staticmethod
    def _renew(stamps: str, owner: str) -> str:
        return (
            f"INSERT INTO {stamps} (user_id, value) VALUES ({owner}, {SqliteSql.random_value}) "
            "ON CONFLICT (user_id) DO UPDATE SET value = excluded.value;"
        )

    @staticmethod
    def _trigger(name: str, event: str, table: str, body: str, when: str = "") -> list[str]:
        condition = f" WHEN {when}" if when else ""
        return [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} "
            f"BEGIN {body} END",
        ]

    @classmethod
    def user_triggers(cls, users: str, stamps: str) -> list[str]:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in USER_BODY_COLUMNS)
        return [
            *cls._trigger(f"{users}_stamp_insert", "INSERT", users, cls._renew(stamps, "NEW.id")),
            *cls._trigger(
                f"{users}_stamp_body", "UPDATE", users, cls._renew(stamps, "NEW.id"), changed
            ),
            *cls._trigger(
                f"{users}_stamp_delete",
                "DELETE",
                users,
                f"DELETE FROM {stamps} WHERE user_id = OLD.id;",
            ),
        ]

    @classmethod
    def owned_triggers(cls, table: str, stamps: str) -> list[str]:
        old, new = cls._renew(stamps, "OLD.user_id"), cls._renew(stamps, "NEW.user_id")
        return [
            *cls._trigger(f"{table}_stamp_insert", "INSERT", table, new),
            *cls._trigger(f"{table}_stamp_update", "UPDATE", table, old + " " + new),
            *cls._trigger(f"{table}_stamp_delete", "DELETE", table, old),
        ]


SQL = {"postgresql": PostgresSql, "sqlite": SqliteSql}
