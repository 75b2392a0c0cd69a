package io.tuneforge.trainer.template.jinja;

import java.util.List;

/**
 * What {@code dict.keys()}, {@code dict.values()} and {@code dict.items()} return: iterable, sized, printed as
 * {@code dict_items([('a', 1)])}, but not indexable and not JSON-serialisable (as in Python).
 */
record DictView(String kind, List<Object> items) {
}
