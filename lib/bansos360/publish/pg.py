"""Publish gold marts from the lakehouse to PostgreSQL: atomic swap, masking, roles and row-level security.

For each :class:`~bansos360.gold.registry.Mart` the Delta table ``gold.<name>`` is read at its
latest version, converted to Arrow and bulk loaded with ``COPY ... FROM STDIN (FORMAT csv)``
(Arrow's C++ CSV writer, streamed batch by batch) into a staging table. Then, still in ONE
transaction, the staging table replaces the published one.

Where a mart lands (the masking rule)
-------------------------------------
**Unmasked personal data only ever lives in schema ``terbatas``; schema ``gold`` only holds
aggregates and masked views.**

==========================  ======================  ======================================
mart declares               physical table          in ``gold``
==========================  ======================  ======================================
``schema="gold"``, no pii   ``gold.<name>``         the table itself
``schema="gold"`` + pii     ``terbatas.<name>``     masked view ``gold.<name>``
``schema="terbatas"`` + pii ``terbatas.<name>``     masked view ``gold.<name>``
``schema="terbatas"``       ``terbatas.<name>``     nothing (BNBA detail without declared pii)
==========================  ======================  ======================================

The masked view has every column of the table, in order, except the pii columns (``pii`` keys):
a pii column's mask column (e.g. ``nik_mask`` for ``nik``) is already a column of the mart and
stays; a pii column mapped to ``None`` is simply dropped. Declared mask columns must exist.

The masked view is ``security_invoker = true``: it reads the table with the *caller's* privileges
and row-level security, so a kecamatan role sees its own kecamatan through the view too.
``bansos_publik`` therefore gets column-level SELECT on the non-pii columns of the terbatas table
and an all-rows policy, but no USAGE on schema ``terbatas``: it cannot name a terbatas table at
all ("permission denied for schema terbatas") and can never read a pii column.

Roles (NOLOGIN groups, created/upgraded by :func:`ensure_roles`; give login roles membership)
-----------------------------------------------------------------------------------------------
* ``bansos_publik``: USAGE on ``gold``; SELECT on gold tables and masked views. Nothing else.
* ``bansos_analis``: ``gold`` and ``terbatas`` read, all rows, and ``gold._publish_log``.
* ``bansos_terbatas``: BNBA read: ``terbatas`` and ``gold``, all rows.
* ``bansos_kecamatan``: group of all kecamatan roles: ``gold`` read (aggregates and masked views)
  and SELECT on terbatas tables that have a ``kecamatan_column``.
* ``bansos_kec_<kode_kec_bps>`` (7-digit BPS code, e.g. ``bansos_kec_3503010``; the 14 kecamatan
  of the package reference): member of ``bansos_kecamatan``; row-level security on every terbatas
  table with a ``kecamatan_column`` lets it see only rows whose code equals its own. Do not also
  make a kecamatan login a member of ``bansos_publik`` (that role's all-rows policy would widen it).

PUBLIC has no access to the schemas. RLS is enabled on every terbatas table (not forced: the
publishing owner sees everything); a role with no policy sees no rows.

The swap
--------
Load, verification (row count = Delta count, per-column non-null counts = Arrow's), index builds
(btree for ``indexes`` and the kecamatan column, GIN ``gin_trgm_ops`` for ``trigram``) and
``ANALYZE`` happen on the staging table before any lock on the published objects. Then
``LOCK ... ACCESS EXCLUSIVE`` (dependent views first, then ``gold.<name>``, then the table: the
order readers lock them, so no deadlock), capture every view depending on the old objects
(definition, options, owner, grants, comments), ``DROP ... CASCADE``, rename staging to the final
name, indexes to final names, comments, RLS, policies and grants, the masked view, re-create the
dependent views, append to ``gold._publish_log``, COMMIT. A reader either sees the old mart or,
once its blocked lock is granted, re-resolves the name and sees the new one: never an empty or
half-loaded table and no error (READ COMMITTED; a REPEATABLE READ transaction begun before the
swap would see the new, empty-to-it table). On any error the transaction rolls back and the old
mart stays; a failed attempt is logged with ``status = 'gagal'``.

Table-level grants on the old table to roles other than the ``bansos_*`` ones are carried over;
the ``bansos_*`` grants always come from the registry (so a column newly declared pii is never
left readable). Column-level grants to other roles, foreign keys and non-view dependents are not
carried over.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from bansos360 import lakehouse
from bansos360.errors import BansosError
from bansos360.gold.registry import Mart

log = logging.getLogger(__name__)

GOLD, TERBATAS = "gold", "terbatas"
ROLE_PUBLIK = "bansos_publik"
ROLE_ANALIS = "bansos_analis"
ROLE_TERBATAS = "bansos_terbatas"
ROLE_KECAMATAN = "bansos_kecamatan"
KEC_ROLE_PREFIX = "bansos_kec_"
MANAGED_ROLE_PREFIX = "bansos_"
LOG_TABLE = "_publish_log"

ROLE_COMMENTS = {
    ROLE_PUBLIK: "Bansos 360: akses publik — hanya agregat dan tampilan tersamar di skema gold",
    ROLE_ANALIS: "Bansos 360: analis — baca skema gold dan terbatas (semua baris)",
    ROLE_TERBATAS: "Bansos 360: data terbatas BNBA — baca skema terbatas dan gold (semua baris)",
    ROLE_KECAMATAN: "Bansos 360: grup semua peran kecamatan — agregat gold dan BNBA kecamatan sendiri (RLS)",
}
SCHEMA_COMMENTS = {
    GOLD: "Bansos 360: mart agregat dan tampilan tersamar (boleh publik)",
    TERBATAS: "Bansos 360: data rinci by-name-by-address (BNBA) berisi data pribadi — akses terbatas (UU PDP)",
}


class PublishError(BansosError):
    """A mart cannot be published (missing gold table, inconsistent metadata, failed verification)."""


# --------------------------------------------------------------------------- placement
@dataclass(frozen=True)
class Placement:
    """Where a mart is published: ``table_schema.name`` and, when ``masked_view``, ``gold.name``."""

    name: str
    table_schema: str
    masked_view: bool

    @property
    def table(self) -> tuple[str, str]:
        return (self.table_schema, self.name)


def placement(m: Mart) -> Placement:
    """Apply the masking rule of the module docstring."""
    restricted = m.schema == TERBATAS or bool(m.pii)
    return Placement(m.name, TERBATAS if restricted else GOLD, bool(m.pii))


def kecamatan_codes_from_reference() -> list[str]:
    """7-digit BPS kecamatan codes (``kode_kec_bps``) of the package reference (14 for Trenggalek)."""
    from bansos360.silver.wilayah import kecamatan_rows

    return sorted(str(r["kode_kec_bps"]) for r in kecamatan_rows())


def kec_role(code: str) -> str:
    return f"{KEC_ROLE_PREFIX}{code}"


# --------------------------------------------------------------------------- types
def _ident_name(*parts: str, suffix: str = "") -> str:
    """A PostgreSQL identifier (<= 63 bytes) from parts; long names keep a hash for uniqueness."""
    name = "__".join(parts) + suffix
    if len(name.encode()) <= 63:
        return name
    h = hashlib.sha1(name.encode()).hexdigest()[:8]
    return name.encode()[: 63 - 9].decode(errors="ignore") + "_" + h


def _atomic_pg_type(dt) -> str | None:
    from pyspark.sql import types as T

    simple = [
        (T.StringType, "text"), (T.CharType, "text"), (T.VarcharType, "text"),
        (T.BooleanType, "boolean"), (T.ByteType, "smallint"), (T.ShortType, "smallint"),
        (T.IntegerType, "integer"), (T.LongType, "bigint"), (T.FloatType, "real"),
        (T.DoubleType, "double precision"), (T.DateType, "date"),
        (T.TimestampNTZType, "timestamp"), (T.TimestampType, "timestamptz"),
    ]
    for cls, pg in simple:
        if isinstance(dt, cls):
            return pg
    if isinstance(dt, T.DecimalType):
        return f"numeric({dt.precision},{dt.scale})"
    return None


def pg_type(dt) -> str:
    """PostgreSQL type of a Spark type: atomic types map one to one (string→text, int→integer,
    long→bigint, double→double precision, decimal(p,s)→numeric(p,s), timestamp→timestamptz, ...),
    arrays of atomic types → ``<type>[]``, binary → bytea, structs/maps/nested arrays → jsonb,
    anything else → text."""
    from pyspark.sql import types as T

    atomic = _atomic_pg_type(dt)
    if atomic:
        return atomic
    if isinstance(dt, T.ArrayType) and _atomic_pg_type(dt.elementType):
        return _atomic_pg_type(dt.elementType) + "[]"
    if isinstance(dt, T.BinaryType):
        return "bytea"
    if isinstance(dt, T.StructType | T.MapType | T.ArrayType):
        return "jsonb"
    return "text"


def _pg_array_literal(col, elem_type):
    """Spark column: a PostgreSQL array literal ``{"a","b",NULL}`` of an array of atomic values."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    def text(x):
        if isinstance(elem_type, T.TimestampType):
            return F.date_format(x, "yyyy-MM-dd HH:mm:ss.SSSSSSXXX")
        return x.cast("string")

    def quoted(x):
        t = F.regexp_replace(F.regexp_replace(text(x), r"\\", r"\\\\"), '"', r'\\"')
        return F.concat(F.lit('"'), t, F.lit('"'))

    inner = F.array_join(F.transform(col, lambda x: F.when(x.isNull(), F.lit("NULL")).otherwise(quoted(x))), ",")
    return F.when(col.isNotNull(), F.concat(F.lit("{"), inner, F.lit("}")))


def copy_frame(df):
    """``(frame, [(column, pg type)])``: ``df`` with columns Arrow's CSV writer cannot write as PostgreSQL
    reads them converted to text (arrays → array literals, binary → ``\\x`` hex, nested → JSON)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    cols, exprs = [], []
    for f in df.schema.fields:
        c = F.col(f"`{f.name}`")
        pgt = pg_type(f.dataType)
        if pgt.endswith("[]"):
            c = _pg_array_literal(c, f.dataType.elementType)
        elif pgt == "bytea":
            c = F.when(c.isNotNull(), F.concat(F.lit("\\x"), F.lower(F.hex(c))))
        elif pgt == "jsonb":
            c = F.to_json(c)
        elif pgt == "text" and not isinstance(f.dataType, T.StringType | T.CharType | T.VarcharType):
            c = c.cast("string")
        exprs.append(c.alias(f.name))
        cols.append((f.name, pgt))
    return df.select(*exprs), cols


# --------------------------------------------------------------------------- validation
def check_mart_columns(m: Mart, columns: Sequence[str]) -> list[str]:
    """Problems between a mart's metadata and its Delta columns (empty when consistent)."""
    have = set(columns)
    problems = []
    for pii, mask in m.pii.items():
        if pii not in have:
            problems.append(f"pii column {pii!r} is not a column")
        if mask is not None and mask not in have:
            problems.append(f"mask column {mask!r} (for {pii!r}) is not a column")
        if mask is not None and mask in m.pii:
            problems.append(f"mask column {mask!r} is itself declared pii")
    for what, cols in (("index", m.indexes), ("trigram", m.trigram)):
        problems += [f"{what} column {c!r} is not a column" for c in cols if c not in have]
    if m.kecamatan_column and m.kecamatan_column not in have:
        problems.append(f"kecamatan_column {m.kecamatan_column!r} is not a column")
    if placement(m).masked_view and not [c for c in columns if c not in m.pii]:
        problems.append("every column is pii: the masked view would be empty")
    return problems


# --------------------------------------------------------------------------- roles and schemas
def _sql():
    from psycopg import sql

    return sql


def _q(*parts: str):
    sql = _sql()
    return sql.Identifier(*parts)


def _role_exists(conn, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _create_role(conn, role: str) -> bool:
    sql = _sql()
    if _role_exists(conn, role):
        return False
    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(_q(role)))
    return True


def ensure_roles(conn, kecamatan_codes: Iterable[str] | None = None) -> dict:
    """Create/upgrade (idempotently) schemas ``gold`` and ``terbatas``, the group roles, one role per
    kecamatan code, schema privileges and ``gold._publish_log``. Commits. Returns what was created."""
    codes = sorted(set(kecamatan_codes if kecamatan_codes is not None else kecamatan_codes_from_reference()))
    bad = [c for c in codes if not (len(c) == 7 and c.isdigit())]
    if bad:
        raise PublishError(f"kecamatan codes must be 7-digit BPS codes (kode_kec_bps): {bad}")
    from psycopg import errors as pg_errors

    try:
        return _ensure_roles(conn, codes)
    except pg_errors.InsufficientPrivilege as exc:
        user = conn.execute("SELECT current_user").fetchone()[0]
        raise PublishError(f"the publishing user {user!r} may not set up roles/schemas ({exc}); it needs CREATEROLE "
                           "(for missing bansos_* roles) and to own the database or schemas gold/terbatas") from exc


def _ensure_roles(conn, codes: list[str]) -> dict:
    sql = _sql()
    created = []
    with conn.transaction():
        # roles are cluster-wide: serialize concurrent publishers
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('bansos360.ensure_roles'))")
        for role in (ROLE_PUBLIK, ROLE_ANALIS, ROLE_TERBATAS, ROLE_KECAMATAN):
            if _create_role(conn, role):
                created.append(role)
                conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(_q(role), sql.Literal(ROLE_COMMENTS[role])))
        members = {r[0] for r in conn.execute(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = %s", (ROLE_KECAMATAN,)).fetchall()}
        for code in codes:
            role = kec_role(code)
            if _create_role(conn, role):
                created.append(role)
                conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    _q(role), sql.Literal(f"Bansos 360: staf kecamatan {code} — hanya baris kecamatan {code} (RLS)")))
            if role not in members:
                conn.execute(sql.SQL("GRANT {} TO {}").format(_q(ROLE_KECAMATAN), _q(role)))
        for schema in (GOLD, TERBATAS):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_q(schema)))
            conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(_q(schema)))
            conn.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(_q(schema), sql.Literal(SCHEMA_COMMENTS[schema])))
        readers_gold = [ROLE_PUBLIK, ROLE_ANALIS, ROLE_TERBATAS, ROLE_KECAMATAN]
        readers_terbatas = [ROLE_ANALIS, ROLE_TERBATAS, ROLE_KECAMATAN]
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
            _q(GOLD), sql.SQL(", ").join(map(_q, readers_gold))))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
            _q(TERBATAS), sql.SQL(", ").join(map(_q, readers_terbatas))))
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(_q(TERBATAS), _q(ROLE_PUBLIK)))
        db, may_grant = conn.execute(
            "SELECT current_database(), pg_has_role(current_user, d.datdba, 'USAGE') "
            "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_database d WHERE d.datname = current_database()").fetchone()
        if may_grant:  # CONNECT is granted to PUBLIC by default; explicit in case a DBA revoked it
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                _q(db), sql.SQL(", ").join(map(_q, readers_gold))))
        conn.execute(sql.SQL("""
            CREATE TABLE IF NOT EXISTS {} (
                id bigserial PRIMARY KEY,
                mart text NOT NULL,
                tabel text,
                tampilan text,
                status text NOT NULL,
                baris bigint,
                baris_delta bigint,
                versi_delta bigint,
                mulai timestamptz NOT NULL,
                selesai timestamptz NOT NULL,
                durasi_detik double precision,
                checksum text,
                terverifikasi boolean NOT NULL DEFAULT false,
                pesan text,
                oleh text NOT NULL DEFAULT current_user
            )""").format(_q(GOLD, LOG_TABLE)))
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(
            _q(GOLD, LOG_TABLE), sql.SQL(", ").join(map(_q, [ROLE_PUBLIK, ROLE_KECAMATAN, ROLE_TERBATAS]))))
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(_q(GOLD, LOG_TABLE), _q(ROLE_ANALIS)))
        conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(_q(GOLD, LOG_TABLE), sql.Literal(
            "Log publikasi mart ke PostgreSQL: satu baris per mart per publikasi (jumlah baris, versi Delta, "
            "checksum data yang dimuat, hasil verifikasi)")))
    return {"created_roles": created, "kecamatan_roles": [kec_role(c) for c in codes]}


def _trgm_schema(conn) -> str | None:
    """Schema of pg_trgm (created if available and missing), or None when it cannot be had."""
    row = conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                       "WHERE e.extname = 'pg_trgm'").fetchone()
    if row:
        return row[0]
    if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone() is None:
        return None
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except Exception as exc:  # noqa: BLE001 - no privilege: publish without trigram indexes
        log.warning("pg_trgm cannot be created (%s); trigram indexes are skipped", exc)
        return None
    return _trgm_schema(conn)


# --------------------------------------------------------------------------- dependent views
@dataclass
class _Dependent:
    oid: int
    schema: str
    name: str
    kind: str            # 'v' view, 'm' materialized view
    depth: int
    definition: str
    options: list[str]
    owner: str
    grants: list[tuple[str, str, bool]]   # (grantee, privilege, grantable)
    comment: str | None
    column_comments: list[tuple[str, str]]
    indexes: list[str]


_DEPENDENTS_SQL = """
WITH RECURSIVE deps(oid, depth) AS (
    SELECT DISTINCT r.ev_class, 1
      FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.refobjid = ANY(%(roots)s) AND r.ev_class <> d.refobjid
    UNION
    SELECT r.ev_class, deps.depth + 1
      FROM deps JOIN pg_depend d ON d.refobjid = deps.oid
                 AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      JOIN pg_rewrite r ON r.oid = d.objid
     WHERE r.ev_class <> deps.oid AND deps.depth < 50
)
SELECT c.oid, n.nspname, c.relname, c.relkind, max(deps.depth)
  FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT (c.oid = ANY(%(roots)s))
 GROUP BY c.oid, n.nspname, c.relname, c.relkind
 ORDER BY max(deps.depth), n.nspname, c.relname
"""


def _dependents(conn, roots: list[int], skip: set[int]) -> list[_Dependent]:
    if not roots:
        return []
    out = []
    for oid, schema, name, kind, depth in conn.execute(_DEPENDENTS_SQL, {"roots": roots}).fetchall():
        if oid in skip:
            continue
        definition, options, owner, comment = conn.execute(
            "SELECT pg_get_viewdef(c.oid), coalesce(c.reloptions, '{}'), pg_get_userbyid(c.relowner), "
            "obj_description(c.oid, 'pg_class') FROM pg_class c WHERE c.oid = %s", (oid,)).fetchone()
        grants = conn.execute(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, "
            "a.is_grantable FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s AND a.grantee <> c.relowner",
            (oid,)).fetchall()
        col_comments = conn.execute(
            "SELECT a.attname, d.description FROM pg_attribute a JOIN pg_description d "
            "ON d.objoid = a.attrelid AND d.objsubid = a.attnum AND d.classoid = 'pg_class'::regclass "
            "WHERE a.attrelid = %s AND a.attnum > 0", (oid,)).fetchall()
        indexes = [r[0] for r in conn.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s", (oid,)).fetchall()]
        out.append(_Dependent(oid, schema, name, kind, depth, definition, list(options), owner,
                              [tuple(g) for g in grants], comment, [tuple(c) for c in col_comments], indexes))
    return out


def _recreate(conn, dep: _Dependent) -> None:
    sql = _sql()
    with_opts = sql.SQL(" WITH ({})").format(sql.SQL(", ").join(map(sql.SQL, dep.options))) if dep.options else sql.SQL("")
    kind = sql.SQL("MATERIALIZED VIEW" if dep.kind == "m" else "VIEW")
    body = sql.SQL(dep.definition.rstrip().rstrip(";"))
    conn.execute(sql.SQL("CREATE {} {}{} AS {}").format(kind, _q(dep.schema, dep.name), with_opts, body))
    current = conn.execute("SELECT current_user").fetchone()[0]
    if dep.owner != current:
        conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(kind, _q(dep.schema, dep.name), _q(dep.owner)))
    for grantee, priv, grantable in dep.grants:
        who = sql.SQL("PUBLIC") if grantee == "PUBLIC" else _q(grantee)
        conn.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(priv), _q(dep.schema, dep.name), who, sql.SQL(" WITH GRANT OPTION" if grantable else "")))
    if dep.comment is not None:
        conn.execute(sql.SQL("COMMENT ON {} {} IS {}").format(kind, _q(dep.schema, dep.name), sql.Literal(dep.comment)))
    for col, text in dep.column_comments:
        conn.execute(sql.SQL("COMMENT ON COLUMN {} IS {}").format(_q(dep.schema, dep.name, col), sql.Literal(text)))
    for idx in dep.indexes:
        conn.execute(sql.SQL(idx))


# --------------------------------------------------------------------------- load
def _relation(conn, schema: str, name: str) -> tuple[int, str] | None:
    """(oid, relkind) of ``schema.name`` or None."""
    return conn.execute("SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relname = %s", (schema, name)).fetchone()


def _copy_arrow(conn, target, columns: list[tuple[str, str]], table, batch_rows: int = 50_000) -> tuple[str, int]:
    """COPY an Arrow table into ``target``; returns (sha256 of the CSV stream, bytes)."""
    import pyarrow.csv as pacsv

    sql = _sql()
    digest, size = hashlib.sha256(), 0
    opts = pacsv.WriteOptions(include_header=False, delimiter=",", quoting_style="needed")
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        target, sql.SQL(", ").join(_q(c) for c, _ in columns))
    with conn.cursor().copy(stmt) as copy:
        for batch in table.to_batches(max_chunksize=batch_rows):
            if batch.num_rows == 0:
                continue
            buf = io.BytesIO()
            pacsv.write_csv(batch, buf, opts)
            data = buf.getvalue()
            digest.update(data)
            size += len(data)
            copy.write(data)
    return digest.hexdigest(), size


def _verify(conn, target, columns: list[tuple[str, str]], table, delta_rows: int) -> dict:
    """Row count and per-column non-null counts of the loaded table against the Arrow data."""
    sql = _sql()
    counts = conn.execute(sql.SQL("SELECT count(*), {} FROM {}").format(
        sql.SQL(", ").join(sql.SQL("count({})").format(_q(c)) for c, _ in columns), target)).fetchone()
    rows, non_null = counts[0], counts[1:]
    problems = []
    if rows != delta_rows or rows != table.num_rows:
        problems.append(f"rows: PostgreSQL {rows}, Delta {delta_rows}, Arrow {table.num_rows}")
    for (col, _), got in zip(columns, non_null, strict=True):
        want = table.num_rows - table.column(col).null_count
        if got != want:
            problems.append(f"column {col}: {got} non-null in PostgreSQL, {want} in Delta")
    if problems:
        raise PublishError("verification failed: " + "; ".join(problems))
    return {"rows": rows}


# --------------------------------------------------------------------------- publish one mart
def _log_row(conn, row: dict) -> None:
    sql = _sql()
    cols = list(row)
    conn.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        _q(GOLD, LOG_TABLE), sql.SQL(", ").join(map(_q, cols)), sql.SQL(", ").join(sql.Placeholder() * len(cols))),
        list(row.values()))


@dataclass
class MartRead:
    """One mart read from its pinned Delta version into Arrow, ready to be copied."""

    version: int
    columns: list[tuple[str, str]]
    delta_rows: int
    arrow: object  # pyarrow.Table
    seconds: float
    started: datetime


def _to_arrow_bounded(spark, frame):
    """``frame.toArrow()`` with small read splits, so no single task result (held whole in the
    JVM heap) grows with the mart: gold files hold at most 250 k rows and are not packed together
    beyond ``BANSOS_PUBLISH_SPLIT_BYTES`` (default 16 MB). Only publish's reader thread plans
    Spark jobs while it runs, so the session setting is changed and restored around the read."""
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    spark.conf.set(key, os.environ.get("BANSOS_PUBLISH_SPLIT_BYTES", "16m"))
    try:
        return frame.toArrow()
    finally:
        spark.conf.set(key, before)


def read_mart(spark, m: Mart, lake=None) -> MartRead:
    """Read ``gold.<m.name>`` at its current Delta version (pinned) into Arrow, typed for COPY.
    Raises :class:`PublishError` when the table is missing or its columns differ from the registry."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    version = lakehouse.table_version(spark, "gold", m.name, lake)
    if version is None:
        raise PublishError(f"gold.{m.name} does not exist in the lakehouse "
                           f"({lakehouse.table_path('gold', m.name, lake)}); build it first (bansos360 gold build)")
    df = lakehouse.read_table(spark, "gold", m.name, lake, version=version)
    problems = check_mart_columns(m, df.columns)
    if problems:
        raise PublishError(f"mart {m.name}: " + "; ".join(problems))
    frame, columns = copy_frame(df)
    # rows as Delta recorded them when the mart was written (no Spark job); counted when unrecorded
    delta_rows = lakehouse.rows_written(lakehouse.table_path("gold", m.name, lake), version)
    if delta_rows is None:
        delta_rows = df.count()
    arrow = _to_arrow_bounded(spark, frame)
    return MartRead(version, columns, delta_rows, arrow, time.perf_counter() - t0, started)


def publish_mart(conn, spark, m: Mart, lake=None, *, kecamatan_codes: Sequence[str] | None = None,
                 lock_timeout: str = "60s", read: MartRead | None = None) -> dict:
    """Publish one mart (see the module docstring). ``conn``: a psycopg connection (not in a
    transaction); ``read``: the mart already read by :func:`read_mart` (else it is read here).
    Returns a summary dict; raises :class:`PublishError` (old mart kept)."""
    sql = _sql()
    read = read or read_mart(spark, m, lake)
    started, version, columns, delta_rows, arrow = read.started, read.version, read.columns, read.delta_rows, read.arrow
    t0 = time.perf_counter() - read.seconds  # the total includes the read, wherever it ran
    t_read = read.seconds
    place = placement(m)
    codes = list(kecamatan_codes if kecamatan_codes is not None else kecamatan_codes_from_reference())
    trgm = _trgm_schema(conn) if m.trigram else None
    if m.trigram and trgm is None:
        log.warning("mart %s: pg_trgm is not available; trigram indexes on %s skipped", m.name, m.trigram)
    text_cols = {c for c, t in columns if t == "text"}
    bad_trgm = [c for c in m.trigram if c not in text_cols]
    if bad_trgm:
        raise PublishError(f"mart {m.name}: trigram columns must be text: {bad_trgm}")

    schema, name = place.table
    staging = _ident_name("_stg", name)
    summary = {"mart": m.name, "table": f"{schema}.{name}", "view": f"{GOLD}.{name}" if place.masked_view else None,
               "delta_version": version}
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"bansos360.publish:{m.name}",))
            # index builds sort in memory instead of spilling (PostgreSQL's default is 64 MB)
            conn.execute("SELECT set_config('maintenance_work_mem', %s, true)",
                         (os.environ.get("BANSOS_PG_MAINTENANCE_WORK_MEM", "256MB"),))
            stg = _q(schema, staging)
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stg))
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(stg, sql.SQL(", ").join(
                sql.SQL("{} {}").format(_q(c), sql.SQL(t)) for c, t in columns)))
            t1 = time.perf_counter()
            checksum, nbytes = _copy_arrow(conn, stg, columns, arrow)
            t_copy = time.perf_counter() - t1
            _verify(conn, stg, columns, arrow, delta_rows)

            # indexes on the staging table, under temporary names (renamed after the swap)
            indexes: list[tuple[str, str]] = []   # (temporary, final)
            btree = list(dict.fromkeys([*m.indexes, *([m.kecamatan_column] if m.kecamatan_column else [])]))
            for col in btree:
                tmp, final = _ident_name("_stg", name, col, suffix="_idx"), _ident_name(name, col, suffix="_idx")
                conn.execute(sql.SQL("CREATE INDEX {} ON {} ({})").format(_q(tmp), stg, _q(col)))
                indexes.append((tmp, final))
            if trgm:
                for col in m.trigram:
                    tmp, final = _ident_name("_stg", name, col, suffix="_trgm"), _ident_name(name, col, suffix="_trgm")
                    conn.execute(sql.SQL("CREATE INDEX {} ON {} USING gin ({} {})").format(
                        _q(tmp), stg, _q(col), _q(trgm, "gin_trgm_ops")))
                    indexes.append((tmp, final))
            conn.execute(sql.SQL("ANALYZE {}").format(stg))

            # ---- the swap: lock what readers lock, in their order
            t2 = time.perf_counter()
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(lock_timeout)))
            olds = [(s, n, r) for s, n in ((GOLD, name), (TERBATAS, name)) if (r := _relation(conn, s, n))]
            roots = [r[0] for _, _, r in olds]
            deps = _dependents(conn, roots, skip=set())
            # (materialized views are not lockable with LOCK TABLE and their readers never touch the mart)
            lock_list = [_q(d.schema, d.name) for d in sorted(deps, key=lambda d: -d.depth) if d.kind == "v"]
            lock_list += [_q(s, n) for s, n, _ in olds]
            if lock_list:
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.SQL(", ").join(lock_list)))
            deps = _dependents(conn, roots, skip=set())        # definitions as of the locked state
            carried = []
            for _s, _n, (oid, kind) in olds:
                if kind in ("r", "p"):
                    carried += [(g, p, gr) for g, p, gr in conn.execute(
                        "SELECT pg_get_userbyid(a.grantee), a.privilege_type, a.is_grantable "
                        "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s AND a.grantee <> c.relowner "
                        "AND a.grantee <> 0", (oid,)).fetchall() if not g.startswith(MANAGED_ROLE_PREFIX)]
            for s, n, (_oid, kind) in olds:
                what = {"v": "VIEW", "m": "MATERIALIZED VIEW"}.get(kind, "TABLE")
                conn.execute(sql.SQL("DROP {} IF EXISTS {} CASCADE").format(sql.SQL(what), _q(s, n)))
            conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(stg, _q(name)))
            for tmp, final in indexes:
                conn.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(_q(schema, tmp), _q(final)))
            table = _q(schema, name)
            _comments(conn, table, m, [c for c, _ in columns], m.description)
            _secure_table(conn, table, m, place, [c for c, _ in columns], codes)
            for grantee, priv, grantable in carried:
                conn.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(
                    sql.SQL(priv), table, _q(grantee), sql.SQL(" WITH GRANT OPTION" if grantable else "")))
            if place.masked_view:
                _masked_view(conn, m, place, [c for c, _ in columns])
            for dep in sorted(deps, key=lambda d: d.depth):
                try:
                    with conn.transaction():
                        _recreate(conn, dep)
                except Exception as exc:
                    raise PublishError(f"mart {m.name}: dependent view {dep.schema}.{dep.name} cannot be re-created "
                                       f"on the new table ({exc}); the old mart is kept") from exc
            t_swap = time.perf_counter() - t2
            summary.update(rows=delta_rows, checksum=checksum, bytes=nbytes, verified=True,
                           dependents_recreated=[f"{d.schema}.{d.name}" for d in deps],
                           seconds={"read": round(t_read, 3), "copy": round(t_copy, 3), "swap": round(t_swap, 3),
                                    "total": round(time.perf_counter() - t0, 3)})
            _log_row(conn, {"mart": m.name, "tabel": summary["table"], "tampilan": summary["view"], "status": "ok",
                            "baris": delta_rows, "baris_delta": delta_rows, "versi_delta": version,
                            "mulai": started, "selesai": datetime.now(UTC),
                            "durasi_detik": time.perf_counter() - t0, "checksum": checksum, "terverifikasi": True})
    except Exception as exc:
        from psycopg.pq import TransactionStatus

        if conn.info.transaction_status != TransactionStatus.IDLE:  # broken connection: nothing more to do
            raise
        try:
            with conn.transaction():
                _log_row(conn, {"mart": m.name, "tabel": summary["table"], "tampilan": summary["view"],
                                "status": "gagal", "baris_delta": delta_rows, "versi_delta": version,
                                "mulai": started, "selesai": datetime.now(UTC),
                                "durasi_detik": time.perf_counter() - t0, "pesan": str(exc)[:2000]})
        except Exception:  # noqa: BLE001 - logging the failure must not hide it
            log.exception("could not log the failed publish of %s", m.name)
        if isinstance(exc, BansosError):
            raise
        raise PublishError(f"mart {m.name}: publish failed, the old mart is kept: {exc}") from exc
    log.info("published %s: %s rows in %.1f s (read %.1f, copy %.1f, swap %.2f)", summary["table"], delta_rows,
             summary["seconds"]["total"], t_read, t_copy, summary["seconds"]["swap"])
    return summary


def _comments(conn, target, m: Mart, columns: list[str], description: str, kind: str = "TABLE") -> None:
    sql = _sql()
    conn.execute(sql.SQL("COMMENT ON {} {} IS {}").format(sql.SQL(kind), target, sql.Literal(description)))
    missing = [c for c in columns if c not in m.columns]
    if missing:
        log.warning("mart %s: no column comment for %s", m.name, missing)
    for c in columns:
        if c in m.columns:
            conn.execute(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(target, _q(c), sql.Literal(m.columns[c])))


def _secure_table(conn, table, m: Mart, place: Placement, columns: list[str], codes: Sequence[str]) -> None:
    """Grants, RLS and policies of the new table (see the module docstring)."""
    sql = _sql()
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(table))

    def grant(roles, cols=None):
        what = sql.SQL("SELECT ({})").format(sql.SQL(", ").join(map(_q, cols))) if cols else sql.SQL("SELECT")
        conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(what, table, sql.SQL(", ").join(map(_q, roles))))

    if place.table_schema == GOLD:
        grant([ROLE_PUBLIK, ROLE_ANALIS, ROLE_TERBATAS, ROLE_KECAMATAN])
        return
    grant([ROLE_ANALIS, ROLE_TERBATAS])
    conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))

    def policy(pname, roles, using):
        conn.execute(sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING ({})").format(
            _q(pname), table, sql.SQL(", ").join(map(_q, roles)), using))

    policy("semua_baris", [ROLE_ANALIS, ROLE_TERBATAS], sql.SQL("true"))
    masked_cols = [c for c in columns if c not in m.pii]
    masked_readers = [ROLE_PUBLIK]
    if m.kecamatan_column:
        grant([ROLE_KECAMATAN])
        for code in codes:
            policy(_ident_name("kecamatan", code), [kec_role(code)],
                   sql.SQL("{} = {}").format(_q(m.kecamatan_column), sql.Literal(code)))
    elif place.masked_view:
        masked_readers.append(ROLE_KECAMATAN)   # no kecamatan column: they read the masked view like publik
    if place.masked_view:
        # the masked view is security_invoker: its readers need the non-pii columns, all rows
        grant(masked_readers, masked_cols)
        policy("tersamar_semua_baris", masked_readers, sql.SQL("true"))


def _masked_view(conn, m: Mart, place: Placement, columns: list[str]) -> None:
    sql = _sql()
    view = _q(GOLD, m.name)
    keep = [c for c in columns if c not in m.pii]
    conn.execute(sql.SQL("CREATE VIEW {} WITH (security_invoker = true) AS "
                         "SELECT {} FROM {}").format(view, sql.SQL(", ").join(map(_q, keep)), _q(*place.table)))
    dropped = ", ".join(f"{p} → {mask}" if mask else f"{p} (dihapus)" for p, mask in m.pii.items())
    desc = f"{m.description} [Tampilan tersamar (UU PDP): data pribadi diganti/dihapus: {dropped}.]"
    _comments(conn, view, m, keep, desc, kind="VIEW")
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(view))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(view, sql.SQL(", ").join(
        map(_q, [ROLE_PUBLIK, ROLE_ANALIS, ROLE_TERBATAS, ROLE_KECAMATAN]))))


# --------------------------------------------------------------------------- entry point
def connect(url: str):
    """A psycopg connection for publishing: search_path empty (every name qualified), UTC session."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True, application_name="bansos360-publish")
    conn.execute("SET search_path = pg_catalog, pg_temp")
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def publish(spark, marts: Sequence[Mart] | None = None, lake=None, url: str | None = None, *,
            kecamatan_codes: Sequence[str] | None = None, lock_timeout: str = "60s") -> list[dict]:
    """Publish ``marts`` (default: every registered mart whose gold table exists) to PostgreSQL at
    ``url`` (default: ``$BANSOS_PG_URL``, else the embedded cluster, started). Roles are ensured
    first. Each mart is its own transaction; the first failure stops the run (:class:`PublishError`)."""
    if url is None:
        from bansos360.publish.embedded import pg_url

        url = pg_url(start=True)
    if marts is None:
        from bansos360.gold.registry import load_all

        marts = [m for m in load_all().values() if lakehouse.table_version(spark, "gold", m.name, lake) is not None]
        if not marts:
            raise PublishError(f"no gold mart table found under {lakehouse.lakehouse_root(lake) / 'gold'}; "
                               "build gold first (bansos360 gold build)")
    codes = list(kecamatan_codes) if kecamatan_codes is not None else kecamatan_codes_from_reference()
    results = []
    with connect(url) as conn, ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish-read") as pool:
        ensure_roles(conn, codes)
        # The next mart is read from Delta (JVM) while the current one is copied into PostgreSQL.
        pending = pool.submit(read_mart, spark, marts[0], lake) if marts else None
        for i, m in enumerate(marts):
            read = pending.result()
            pending = pool.submit(read_mart, spark, marts[i + 1], lake) if i + 1 < len(marts) else None
            results.append(publish_mart(conn, spark, m, lake, kecamatan_codes=codes, lock_timeout=lock_timeout,
                                        read=read))
    return results
