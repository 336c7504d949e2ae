"""Keys acted on in the order they were typed, however fast they arrive.

Why: Textual's app forwards each key to the widget focused *when the app reads it*, and a key that
widget does not consume (Tab, Backspace, the arrows: anything bound rather than typed) acts only
once it has bubbled back up to the app's queue, behind the keys read after it. So a burst of keys
(a paste, tmux send-keys, a fast typist over SSH) put "A negative review<Tab>A positive review"
all in the first field, and "ab<Backspace>c" came out "ab" (Textual issue #6605 describes the
Backspace case). Here the app reads the next key only once the previous one has been dealt with:
consumed by a widget, or carried up to the app and its bindings run. A key that is never seen
through (its widget went away before handling it) lets the next one go after ``STALL_S``."""

from __future__ import annotations

from collections import deque

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.timer import Timer


class OrderedKeysApp(App):
    STALL_S = 0.5
    """Seconds after which a key still not dealt with no longer holds the next ones back."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._key_in_flight: events.Key | None = None
        self._keys_held: deque[events.Key] = deque()
        self._key_released: events.Key | None = None
        self._key_stall: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
        elif not event.is_forwarded:
            await self._read_key(event)
        else:
            await super().on_event(event)  # back from the widgets: the app's own bindings run here
            if event is self._key_in_flight:
                self._key_done()

    async def _read_key(self, key: events.Key) -> None:
        if key is not self._key_released and (self._key_in_flight is not None or self._keys_held):
            self._keys_held.append(key)
            return
        self._key_released = None
        target: MessagePump = self.focused or self.screen
        await super().on_event(key)  # a priority binding runs now; otherwise the key goes to ``target``
        if not key.is_forwarded:
            self._key_done()
            return
        self._key_in_flight = key
        self._key_stall = self.set_timer(self.STALL_S, lambda: self._key_done(key))
        target.call_later(self._follow_key, key, target)

    def _follow_key(self, key: events.Key, node: MessagePump) -> None:
        """Runs in ``node``'s queue after ``node`` has handled ``key``: done if it was consumed,
        else follow it to the parent it bubbled to (the app finishes it in ``on_event``)."""
        if key is not self._key_in_flight:
            return
        parent = node._parent
        if parent is self:
            return  # a screen passes every key on to the app
        if key._stop_propagation or not isinstance(parent, DOMNode):
            self._key_done()
            return
        parent.call_later(self._follow_key, key, parent)

    def _key_done(self, key: events.Key | None = None) -> None:
        if key is not None and key is not self._key_in_flight:
            return  # a stall timer of a key finished meanwhile
        self._key_in_flight = None
        if self._key_stall is not None:
            self._key_stall.stop()
            self._key_stall = None
        if self._keys_held:
            self._key_released = self._keys_held.popleft()
            self.post_message(self._key_released)
