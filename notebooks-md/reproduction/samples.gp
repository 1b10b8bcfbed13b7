# Made by `harness report` from the results on disk. Rerun from this folder to redraw
# samples.png after restyling: gnuplot samples.gp   (reads samples-images.png)
set encoding utf8
set terminal pngcairo size 1198,222 font "DejaVu Sans,15" linewidth 1.5 noenhanced
set output 'samples.png'
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set key box opaque
unset key
unset border
unset tics
set lmargin at screen 0.0250417362
set rmargin at screen 0.989983306
set bmargin at screen 0.0540540541
set tmargin at screen 0.774774775
set xrange [-0.5:1156 - 0.5]
set yrange [-0.5:160 - 0.5]
set label "exemplar" at first 79.5, graph 1 center offset 0,1
set label "Gatys 256²" at first 245.5, graph 1 center offset 0,1
set label "Gatys 512²" at first 411.5, graph 1 center offset 0,1
set label "sample 1, 256²" at first 577.5, graph 1 center offset 0,1
set label "sample 2, 256²" at first 743.5, graph 1 center offset 0,1
set label "sample 1, 512²" at first 909.5, graph 1 center offset 0,1
set label "sample 2, 512²" at first 1075.5, graph 1 center offset 0,1
set label "" at graph 0, first 79.5 right offset -1,0
plot 'samples-images.png' binary filetype=png with rgbimage
