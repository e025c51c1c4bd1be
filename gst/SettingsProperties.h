#pragma once

#include "Protocol.h"

#include <glib-object.h>
#include <gst/gst.h>

#include <string>
#include <type_traits>
#include <variant>

namespace zerotee::gst_settings {

/// Flags of every configuration property of the zerotee elements: read-write, changed only
/// while the element is not running.
inline constexpr GParamFlags kConfigFlags =
    GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

/// The field of an element's Settings a property reads and writes.
template <typename Settings>
using Field = std::variant<std::string Settings::*, guint Settings::*, double Settings::*,
                           wire::DeliveryPolicy Settings::*>;

/// One configuration property of an element: its id, the field it is kept in and its spec. An
/// element lists its properties once, in one table; install(), set() and get() serve every
/// element, so a property is not spelled again in a setter's and a getter's switch.
template <typename Settings> struct Property {
    guint id;
    Field<Settings> field;
    GParamSpec *(*spec)(); // makes the GParamSpec (class_init calls it once)
};

template <typename Settings, size_t N>
void install(GObjectClass *klass, const Property<Settings> (&table)[N])
{
    for (const Property<Settings> &property : table)
        g_object_class_install_property(klass, property.id, property.spec());
}

/// Sets the field of property @p id from @p value; false when the table has no such property.
/// The caller holds the object lock.
template <typename Settings, size_t N>
bool set(const Property<Settings> (&table)[N], Settings &settings, guint id, const GValue *value)
{
    for (const Property<Settings> &property : table) {
        if (property.id != id)
            continue;
        std::visit(
            [&](auto member) {
                auto &field = settings.*member;
                using T = std::decay_t<decltype(field)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    const gchar *text = g_value_get_string(value);
                    field = text ? text : "";
                } else if constexpr (std::is_same_v<T, guint>) {
                    field = g_value_get_uint(value);
                } else if constexpr (std::is_same_v<T, double>) {
                    field = g_value_get_double(value);
                } else {
                    field = T(g_value_get_enum(value));
                }
            },
            property.field);
        return true;
    }
    return false;
}

/// Puts the field of property @p id into @p value (an empty string as NULL); false when the
/// table has no such property. The caller holds the object lock.
template <typename Settings, size_t N>
bool get(const Property<Settings> (&table)[N], const Settings &settings, guint id, GValue *value)
{
    for (const Property<Settings> &property : table) {
        if (property.id != id)
            continue;
        std::visit(
            [&](auto member) {
                const auto &field = settings.*member;
                using T = std::decay_t<decltype(field)>;
                if constexpr (std::is_same_v<T, std::string>)
                    g_value_set_string(value, field.empty() ? nullptr : field.c_str());
                else if constexpr (std::is_same_v<T, guint>)
                    g_value_set_uint(value, field);
                else if constexpr (std::is_same_v<T, double>)
                    g_value_set_double(value, field);
                else
                    g_value_set_enum(value, int(field));
            },
            property.field);
        return true;
    }
    return false;
}

} // namespace zerotee::gst_settings
