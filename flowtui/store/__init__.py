"""The SQLite store: Peewee models, migrations, and typed query functions returning dataclasses."""

from flowtui.domain import ItemFilter
from flowtui.store.cursor import Cursor
from flowtui.store.store import Store, open_store

__all__ = ["Cursor", "ItemFilter", "Store", "open_store"]
