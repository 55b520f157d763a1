"""ZKTeco support shared by the simulator and the poller (no Django here)."""

from .records import AttendanceRecord, UserRecord
from .simulator import Fault, LoggedCommand, ZKSimulator

__all__ = ["AttendanceRecord", "Fault", "LoggedCommand", "UserRecord", "ZKSimulator"]
