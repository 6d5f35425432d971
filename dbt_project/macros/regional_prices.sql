{# The region's price of a cell (placement type x need band x year): the mean weekly cost of its costed placements,
   to the penny (half a penny up, in whole pence: exact, no floating point), so an expected cost is a sum of pennies
   anyone can redo from the published like-for-like means. One definition for the LA cost index (mart_cost_index)
   and the provider cost index (int_provider_placements -> mart_provider_cost). `cells`: int_cost_cells. #}
{% macro regional_prices(cells) -%}
    select
        region,
        placement_year,
        placement_type,
        need_band,
        cast(cast({{ whole_division('2 * sum(total_weekly_cost) * 100 + sum(placements)', '2 * sum(placements)') }}
            as decimal(18, 0)) * 0.01 as decimal(18, 2)) as regional_price
    from {{ cells }}
    group by 1, 2, 3, 4
{%- endmacro %}
