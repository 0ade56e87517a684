"""The tables. Times are stored as naive UTC and read back as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    literal,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.crypto import SealedJSON, SealedText

ID = BigInteger().with_variant(Integer(), "sqlite")
MAYBE_LATE = "late_kinds IS NULL OR CAST(late_kinds AS VARCHAR) != '[]'"  # repos/rates.py
DASHBOARD_COLUMNS = (
    *("created_at", "grid_id", "unit_id", "assignee_id", "category", "state", "urgent"),
    *("accepted_at", "resolved_at", "rating", "lat", "lon", "code"),
)


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class OrgUnit(Base):
    """County, township, village/community or grid; `path` joins the names with '/'."""

    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(400), unique=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    boundary: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], lazy="raise")


class Place(Base):
    """A name residents use for somewhere in one grid (a road, an estate, a landmark, a
    village's 自然村), imported by `gridbot import --places`."""

    __tablename__ = "places"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class DataVersion(Base):
    """A counter raised whenever shared reference data changes (`grids`: the grid boundaries;
    `org`: the org tree or the imported places, the gazetteer's names and routing's chains;
    `routes`: the routes), so that every running
    process rebuilds what it keeps in memory."""

    GRIDS: ClassVar[str] = "grids"
    ORG: ClassVar[str] = "org"
    ROUTES: ClassVar[str] = "routes"  # the routes (kept by each process for routing)

    __tablename__ = "data_versions"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


ROLE_SEPARATOR = ";"
ROLES_LENGTH = 160  # every role at once fits


class Staff(Base):
    """Someone on the roster. Off duty (`active` false) they are never found by a lookup,
    routed to or reminded; `off_duty_by` says who took them off: an import that no longer
    listed them (a later import listing them brings them back) or an operator (`gridbot staff
    off-duty` or the console; only `on-duty` there brings them back). They may hold several
    roles: every rule asks `has_role`, which also works as SQL in a query (see migration 0019
    for why the roles stay in one text column)."""

    BY_IMPORT: ClassVar[str] = "import"
    BY_OPERATOR: ClassVar[str] = "operator"

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    # The roles held, joined by ';' ("grid_worker;mediator"): ask `has_role`, never compare.
    role: Mapped[str] = mapped_column(String(ROLES_LENGTH))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # on duty
    off_duty_by: Mapped[str | None] = mapped_column(String(16))  # BY_IMPORT or BY_OPERATOR

    unit: Mapped[OrgUnit] = relationship(lazy="raise")

    @property
    def roles(self) -> tuple[str, ...]:
        return split_roles(self.role)

    @hybrid_method
    def has_role(self, *roles: str) -> bool:
        """Whether the person holds any of `roles` (in Python, or as SQL in a query)."""
        return any(role in self.roles for role in roles)

    @has_role.inplace.expression
    @classmethod
    def _has_role(cls, *roles: str) -> ColumnElement[bool]:
        # ';grid_worker;mediator;' LIKE '%;mediator;%', the '_' in role names escaped
        framed = literal(ROLE_SEPARATOR) + cls.role + literal(ROLE_SEPARATOR)
        return or_(*(framed.contains(f";{role};", autoescape=True) for role in roles))


def split_roles(text: str) -> tuple[str, ...]:
    """The roles a `role` value holds, in order, each once."""
    found = (part.strip() for part in text.replace("；", ROLE_SEPARATOR).split(ROLE_SEPARATOR))
    return tuple(dict.fromkeys(role for role in found if role))


def join_roles(roles) -> str:
    return ROLE_SEPARATOR.join(dict.fromkeys(roles))


class Route(Base):
    """Who handles a category in a unit and everything below it (FixMyStreet's contact)."""

    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("unit_id", "category"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))


class Resident(Base):
    __tablename__ = "residents"
    # Read with the row by People.resident (not columns): whether a ticket waits for this
    # resident's answer, and whether updates WeChat refused wait to be shown.
    awaits_answer = True
    has_held = True
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(SealedText("residents.place"))
    located_at: Mapped[datetime | None]
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The sender's token bucket ([limits]): tokens left at `bucket_at`; when they were last
    # told they write too often, and when an emergency of theirs last alerted the centres.
    bucket_tokens: Mapped[float | None] = mapped_column(Float)
    bucket_at: Mapped[datetime | None]
    limited_told_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
    # The latest question their next `1`/`2` may answer (handlers/prompts.py): its kind, the
    # ticket it is about, an argument (the service offered, the grid typed, the text to add).
    prompt: Mapped[str | None] = mapped_column(String(16))
    prompt_ticket_id: Mapped[int | None] = mapped_column(ID)
    prompt_arg: Mapped[str | None] = mapped_column(SealedText("residents.prompt_arg"))
    prompt_at: Mapped[datetime | None]
    # Voice, video or links sent while no ticket of theirs was open: attached to their next
    # report (a list of {"kind", "media_id", "url", "title"}), and since when they wait.
    media_waiting: Mapped[list | None] = mapped_column(SealedJSON("residents.media_waiting"))
    media_waiting_at: Mapped[datetime | None]


# The console's list by state, with what scope and "overdue" ask, so that a count of one state
# or of what is late reads the index alone (migration 0021)
STATE_INDEX = (
    *("state", "created_at", "grid_id", "unit_id", "assignee_id"),
    *("overdue_since", "deadline_at", "deadline_kind"),
)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_assignee_state", "assignee_id", "state"),
        Index("ix_tickets_grid_created", "grid_id", "created_at"),
        Index("ix_tickets_category_created", "category", "created_at"),
        Index("ix_tickets_created", "created_at"),  # Open311's newest-first window
        Index(  # the console dashboard's sums read this index alone (migration 0020)
            "ix_tickets_dashboard",
            *DASHBOARD_COLUMNS,
            postgresql_include=["late_kinds"],
        ),
        Index(  # the few tickets that may have been late, whose steps the rates read (0020)
            "ix_tickets_maybe_late",
            "created_at",
            sqlite_where=text(MAYBE_LATE),
            postgresql_where=text(MAYBE_LATE),
        ),
        # The console's list, newest first within one filter (migration 0021)
        Index("ix_tickets_state_created", *STATE_INDEX),
        Index("ix_tickets_urgent_created", "urgent", "created_at"),
        # where a ticket is placed (its grid, else its unit): the scope and the unit filter
        Index("ix_tickets_placed_created", text("coalesce(grid_id, unit_id)"), "created_at"),
        Index("ix_tickets_must_attend_created", "must_attend", "created_at"),
        # the link check: open tickets of a category inside a 200 m box (migration 0023)
        Index("ix_tickets_open_nearby", "category", "state", "lat", "lon"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="resident")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(SealedText("tickets.text"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    must_attend: Mapped[bool] = mapped_column(Boolean, default=False)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(SealedText("tickets.place"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(SealedText("tickets.resolution"))
    # Set while the resident is asked to pick the category among these ids.
    category_options: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0 grid … 3 county
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    deadline_kind: Mapped[str | None] = mapped_column(String(16))  # accept, on_site, resolve, rate
    on_site_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(24))
    # Late now: since when, at which step (a deadline kind) and level; kept through escalation
    # until the step is done. `late_kinds`: every step it was ever late for (NULL: from before).
    overdue_since: Mapped[datetime | None]
    overdue_kind: Mapped[str | None] = mapped_column(String(16))
    overdue_level: Mapped[int | None] = mapped_column(Integer)
    late_kinds: Mapped[list | None] = mapped_column(JSON(none_as_null=True), default=list)
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)  # retention has run
    version: Mapped[int] = mapped_column(Integer, default=1)  # concurrent changes fail, not merge

    __mapper_args__ = {"version_id_col": version}

    grid: Mapped[OrgUnit | None] = relationship(foreign_keys=[grid_id], lazy="raise")
    assignee: Mapped[Staff | None] = relationship(lazy="raise")
    resident: Mapped[Resident | None] = relationship(lazy="raise")


class TicketReporter(Base):
    """Another household that reported the same problem: linked, told at every step."""

    __tablename__ = "ticket_reporters"
    __table_args__ = (UniqueConstraint("ticket_id", "resident_id"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    text: Mapped[str] = mapped_column(SealedText("ticket_reporters.text"))
    created_at: Mapped[datetime]


class TicketEvent(Base):
    """The trail: who did what to a ticket, when, with what note."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_action_at", "action", "at"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(SealedText("ticket_events.note"))
    # Set on a new ticket's first events, so that one flush writes the ticket and its trail.
    ticket: Mapped[Ticket] = relationship(lazy="raise")


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    media_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(SealedText("attachments.title"))  # a link's
    created_at: Mapped[datetime]


class InboundMessage(Base):
    """The inbox journal: every message received, committed before WeChat hears 200, once
    (the unique key stops WeChat's retries; the unique nonce stops a replayed query). It is
    `pending` until one transaction handles it (`done`, `failed`, or `limited` when its sender
    wrote too often); a pending row whose lease ran out is handled by any process. The same
    transaction keeps the reply: on the row as the waiting webhook's answer (`reply_state`
    passive, kept 30 s for WeChat's retries, then cleared: answered), or in the outbox
    (queued). `content` is the message as WeChat sent it (decrypted XML), sealed."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "msg_key"),
        UniqueConstraint("channel", "nonce", name="uq_inbound_messages_nonce"),
        Index("ix_inbound_messages_pending", "status", "lease_until"),
        Index("ix_inbound_messages_reply", "reply_state", "processed_at"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    msg_key: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str | None] = mapped_column(String(80))  # the signed query's timestamp:nonce
    sender: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    content: Mapped[str | None] = mapped_column(SealedText("inbound_messages.content"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    reply: Mapped[str | None] = mapped_column(SealedText("inbound_messages.reply"))
    reply_state: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send, written with the change that caused it; the relay delivers it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(SealedJSON("outbox.body"))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Household(Base):
    """A household in the registry (民情档案). Names, phones, ID numbers, notes and the
    key-population tags are stored encrypted; phones and ID numbers are found by keyed hash."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    address: Mapped[str] = mapped_column(Text)
    head_name: Mapped[str | None] = mapped_column(Text)  # encrypted
    phone: Mapped[str | None] = mapped_column(Text)  # encrypted
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number: Mapped[str | None] = mapped_column(Text)  # encrypted
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    members: Mapped[int] = mapped_column(Integer, default=1)
    tags: Mapped[str] = mapped_column(Text, default="")  # the care tags, ';'-separated
    sensitive_tags: Mapped[str | None] = mapped_column(Text)  # encrypted key-population tags
    note: Mapped[str | None] = mapped_column(Text)  # encrypted
    visit_due_by: Mapped[datetime | None]  # set when members or tenants change
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HouseholdChange(Base):
    """What changed in a household, when and from where (never the values themselves)."""

    __tablename__ = "household_changes"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(80))
    fields: Mapped[list] = mapped_column(JSON)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class AuditEntry(Base):
    """Every view, export or refused attempt on registry data. Append-only: the migration
    installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed or refused


class ChangeRequest(Base):
    """A 基础信息采集 report turned into a proposed registry change, confirmed by the worker."""

    __tablename__ = "change_requests"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # birth, death, move_in, move_out, tenant
    state: Mapped[str] = mapped_column(String(16), default="pending")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]
    ticket: Mapped[Ticket] = relationship(lazy="raise")  # set on a ticket not yet written


class RegistryKey(Base):
    """Which data key the registry is written with (its id, never the key)."""

    __tablename__ = "registry_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16))
    set_at: Mapped[datetime]


class Patrol(Base):
    """One of a grid worker's two daily patrols (一日双巡)."""

    __tablename__ = "patrols"
    __table_args__ = (UniqueConstraint("staff_id", "day", "slot"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    day: Mapped[str] = mapped_column(String(10))  # local date, YYYY-MM-DD
    slot: Mapped[int] = mapped_column(Integer)  # index into [patrol] times
    state: Mapped[str] = mapped_column(String(16))  # started, done, missed
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    finding: Mapped[str | None] = mapped_column(SealedText("patrols.finding"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    track: Mapped[list] = mapped_column(JSON, default=list)


class Visit(Base):
    """A must-visit household visited (五必访)."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    note: Mapped[str | None] = mapped_column(Text)  # encrypted: what was seen at home
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    media_id: Mapped[str | None] = mapped_column(String(200))


class AccessToken(Base):
    """One WeChat/WeCom access token per app, shared by every replica."""

    __tablename__ = "access_tokens"
    app: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    refreshing_until: Mapped[datetime | None]  # one process is fetching a new token until then


class Notice(Base):
    """A notice a supervisor sent to the residents of a unit (政策宣传): who sent what, when
    sending began (after quiet hours), and how many residents it reached each way."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_unit_created", "unit_id", "created_at"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    sender: Mapped[str] = mapped_column(String(64))  # the supervisor's WeCom userid
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    by_message: Mapped[int] = mapped_column(Integer)  # customer-service messages
    by_template: Mapped[int] = mapped_column(Integer)  # template messages
    unreached: Mapped[int] = mapped_column(Integer)  # outside the 48-hour window, no template


class Open311Key(Base):
    """A key another system files Open311 requests with; only its SHA-256 is kept."""

    __tablename__ = "open311_keys"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_path: Mapped[str | None] = mapped_column(String(400))  # None: the whole county
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # The per-minute limit's window, kept here so every replica counts against one budget.
    posts_minute: Mapped[int | None]  # minutes since the epoch of the window being counted
    posts_used: Mapped[int] = mapped_column(default=0, server_default="0")


class Open311Contact(Base):
    """Who filed an Open311 request, as the other system gave it: sealed, never shown back."""

    __tablename__ = "open311_contacts"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    key_name: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str | None] = mapped_column(SealedText("open311_contacts.contact"))


class ConsoleSession(Base):
    """A one-time login link to the web console (only its SHA-256 kept) and, once opened,
    the session it started (the cookie's SHA-256, and the session's CSRF token)."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    csrf: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # of the link
    opened_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
